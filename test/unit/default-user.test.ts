import os from 'node:os';
import { defaultUserId } from '../../client/default-user';

describe('who a run acts for when nobody is named', () => {
  test('REINS_USER, then USER, then LOGNAME, then the account name; blank values do not count', () => {
    expect(defaultUserId({ REINS_USER: 'ana', USER: 'bo', LOGNAME: 'cy' })).toBe('ana');
    expect(defaultUserId({ REINS_USER: ' ', USER: 'bo', LOGNAME: 'cy' })).toBe('bo');
    expect(defaultUserId({ LOGNAME: 'cy' })).toBe('cy');
    expect(defaultUserId({})).toBe(os.userInfo().username);
  });
});

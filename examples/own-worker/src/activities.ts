/** An activity of the team's own, registered beside reins' activities. */
export async function greet(name: string): Promise<string> {
  return `hello, ${name}`;
}

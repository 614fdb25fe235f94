import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TEMPORAL_CONNECTION_VARIABLES } from '../../shared/temporal-settings';
import { DEFAULT_SHUTDOWN_GRACE_MS, loadWorkerConfig } from '../../worker/config';

// No cluster here: the manifest's structure is checked instead, against the worker's code where it depends on it.

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: unknown };
}
interface Probe {
  exec?: { command: string[] };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; privileged?: boolean };
}
interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string };
  nfs?: unknown;
  hostPath?: unknown;
  configMap?: unknown;
  secret?: unknown;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}
interface DeploymentSpec {
  replicas: number;
  template: {
    spec: {
      terminationGracePeriodSeconds?: number;
      securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
      containers: Container[];
      volumes?: Volume[];
    };
  };
}

const documents = parseAllDocuments(read('deploy/kubernetes/worker.yaml')).map((doc) => {
  if (doc.errors.length > 0) throw new Error(`deploy/kubernetes/worker.yaml: ${doc.errors[0]?.message}`);
  return doc.toJS() as Manifest;
});
const deployment = documents.find((doc) => doc.kind === 'Deployment');
const spec = deployment?.spec as unknown as DeploymentSpec;
const pod = spec?.template.spec;
const worker = pod?.containers.find((c) => c.name === 'worker');
const envVar = (name: string) => worker?.env?.find((v) => v.name === name);

describe('deploy/kubernetes/worker.yaml', () => {
  test('is a Deployment of several worker replicas', () => {
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', metadata: { name: 'reins-worker' } });
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(worker).toBeDefined();
    // The image's own entry point (tini, then the compiled worker) runs: nothing overrides it.
    expect(worker?.command).toBeUndefined();
  });

  test('takes the store and the Temporal connection from Secrets', () => {
    for (const name of ['REINS_STORE', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'OPENAI_API_KEY']) {
      const variable = envVar(name);
      expect({ name, value: variable?.value, secret: variable?.valueFrom?.secretKeyRef }).toEqual({
        name,
        value: undefined,
        secret: { name: expect.any(String), key: expect.any(String) },
      });
    }
    // A credential for Temporal Cloud comes from a Secret too, when there is one.
    expect(envVar('TEMPORAL_API_KEY')?.valueFrom?.secretKeyRef).toMatchObject({ optional: true });
    expect(envVar('REINS_STORE_SCHEMA')?.value).toBe('reins');
    // No literal credentials anywhere in the file.
    for (const variable of worker?.env ?? []) {
      if (/KEY|PASSWORD|TOKEN|STORE$/.test(variable.name)) expect({ [variable.name]: variable.value }).toEqual({});
    }
    expect(read('deploy/kubernetes/worker.yaml')).not.toMatch(/^\s*value:\s*['"]?postgres(ql)?:\/\//m);
  });

  test('sets only variables the worker reads', () => {
    const config = read('worker/config.ts');
    const known = new Set<string>(TEMPORAL_CONNECTION_VARIABLES);
    for (const m of config.matchAll(/^\s*((?:REINS|OPENAI)_[A-Z0-9_]+)\s*:/gm)) known.add(m[1]!);
    // Payload and record encryption keys are read by the data converter, beside the config.
    if (read('shared/codec.ts').includes('env.REINS_ENCRYPTION_KEYS')) known.add('REINS_ENCRYPTION_KEYS');
    const unknown = (worker?.env ?? []).map((v) => v.name).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });

  test('checks readiness and liveness with the worker health script, as the compose file does', () => {
    for (const probe of [worker?.readinessProbe, worker?.livenessProbe, worker?.startupProbe]) {
      expect(probe?.exec?.command).toEqual(['node', 'dist/scripts/worker-health.js']);
      expect(probe?.timeoutSeconds).toBeGreaterThanOrEqual(5);
    }
    expect(existsSync(path.join(ROOT, 'scripts', 'worker-health.ts'))).toBe(true);
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    expect(buildConfig.include).toContain('scripts');
    expect(read('docker-compose.yml')).toContain("test: ['CMD', 'node', 'dist/scripts/worker-health.js']");
  });

  test('gives a stopping worker longer than its REINS_SHUTDOWN_GRACE to finish its calls, as the compose file does', () => {
    // The worker lets running calls finish for its grace, then cancels the rest; the pod must outlast that.
    const configured = envVar('REINS_SHUTDOWN_GRACE')?.value;
    const graceMs = configured
      ? loadWorkerConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', REINS_SHUTDOWN_GRACE: configured })
          .shutdownGraceMs!
      : DEFAULT_SHUTDOWN_GRACE_MS;
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(graceMs + 5_000);
    const composeGrace = /stop_grace_period:\s*(\d+)s/.exec(read('docker-compose.yml'))?.[1];
    expect(pod.terminationGracePeriodSeconds).toBe(Number(composeGrace));
  });

  test('shares no volume between replicas: the data directory is an emptyDir of each pod', () => {
    const volumes = pod.volumes ?? [];
    for (const volume of volumes) {
      expect({
        name: volume.name,
        pvc: volume.persistentVolumeClaim,
        nfs: volume.nfs,
        hostPath: volume.hostPath,
      }).toEqual({ name: volume.name, pvc: undefined, nfs: undefined, hostPath: undefined });
    }
    expect(documents.filter((doc) => doc.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(read('deploy/kubernetes/worker.yaml')).not.toContain('ReadWriteMany');
    const dataDir = envVar('REINS_DATA_DIR')?.value;
    const mount = worker?.volumeMounts?.find((m) => m.mountPath === dataDir);
    expect(mount).toBeDefined();
    expect(volumes.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
  });

  test('runs as the image’s non-root user without privilege escalation', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(worker?.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    expect(worker?.securityContext?.privileged).not.toBe(true);
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
  });
});

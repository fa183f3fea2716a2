// The kubectl commands users run every day, each checked by what kubectl prints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { missingClient, startCluster, writeTemp, type TestCluster } from './harness.ts';

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
`;

describe('kubectl 1.35 workflows', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('create generators send protobuf and get defaulted objects back', async () => {
    assert.equal(await c.k('create', 'configmap', 'app-config', '--from-literal=color=blue', '--from-literal=size=3'), 'configmap/app-config created\n');
    assert.equal(await c.k('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cr3t'), 'secret/creds created\n');
    const secret = JSON.parse(await c.k('get', 'secret', 'creds', '-o', 'json'));
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cr3t');
    assert.equal(await c.k('get', 'cm', 'app-config', '-o', 'jsonpath={.data.color}/{.data.size}'), 'blue/3');
    assert.equal(await c.k('create', 'deployment', 'api', '--image=registry.example/api:2.0', '--replicas=3'), 'deployment.apps/api created\n');
    const d = JSON.parse(await c.k('get', 'deploy', 'api', '-o', 'json'));
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const container = d.spec.template.spec.containers[0];
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.equal(container.terminationMessagePath, '/dev/termination-log');
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(d.metadata.generation, 1);
  });

  it('get prints the upstream columns, wide, sorted, for all namespaces', async () => {
    await c.k('apply', '-f', writeTemp(c, 'web.yaml', DEPLOY));
    const table = await c.k('get', 'deployments');
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    assert.match(table, /\nweb\s+0\/2\s+0\s+0\s+\d+s\n/);
    const wide = await c.k('get', 'deploy', 'web', '-o', 'wide');
    assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+0\/2\s+0\s+0\s+\d+s\s+nginx\s+nginx:1\.27\s+app=web\n$/);
    const sorted = await c.k('get', 'deploy', '--sort-by=.spec.replicas', '-o', 'name');
    assert.equal(sorted, 'deployment.apps/web\ndeployment.apps/api\n');
    const all = await c.k('get', 'deploy', '-A', '--no-headers');
    assert.equal(all.trim().split('\n').length, 2);
    assert.match(all, /^default\s+api\s+/m);
  });

  it('explain reads the generated OpenAPI documents', async () => {
    const out = await c.k('explain', 'deployment.spec.strategy');
    assert.match(out, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    assert.match(out, /FIELD: strategy <DeploymentStrategy>/);
    assert.match(out, /rollingUpdate\s+<RollingUpdateDeployment>/);
    const pods = await c.k('explain', 'pods.spec.containers.image');
    assert.match(pods, /FIELD: image <string>/);
  });

  it('describe shows the object and its events', async () => {
    const out = await c.k('describe', 'deployment', 'web');
    assert.match(out, /^Name:\s+web$/m);
    assert.match(out, /^Namespace:\s+default$/m);
    assert.match(out, /^Replicas:\s+2 desired/m);
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(out, /^\s+nginx:\n\s+Image:\s+nginx:1\.27$/m);
    assert.match(out, /^Events:\s+<none>$/m);
  });

  it('patches with every patch type', async () => {
    assert.equal(
      await c.k('patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}'),
      'deployment.apps/web patched\n',
    );
    const d1 = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json'));
    assert.equal(d1.spec.template.spec.containers.length, 1, 'strategic merge keeps one container, merged by name');
    assert.equal(d1.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(d1.spec.template.spec.containers[0].ports[0].containerPort, 80);
    assert.equal(d1.metadata.generation, 2, 'a spec change bumps generation');
    await c.k('patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"frontend"}}}');
    await c.k('patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}]');
    const d2 = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json'));
    assert.equal(d2.metadata.labels.tier, 'frontend');
    assert.equal(d2.spec.replicas, 4);
    assert.equal(d2.metadata.annotations.a, 'b');
    const bad = await c.kubectl(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^The request is invalid: .*testing value \/spec\/replicas failed/);
  });

  it('validation errors read as upstream', async () => {
    const bad = writeTemp(
      c,
      'bad.yaml',
      DEPLOY.replace('name: web\n  labels', 'name: broken\n  labels').replace('template:\n    metadata: {labels: {app: web}}', 'template:\n    metadata: {labels: {app: other}}'),
    );
    const r = await c.kubectl(['apply', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /The Deployment "broken" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/,
    );
    const unknown = writeTemp(c, 'unknown.yaml', DEPLOY.replace('replicas: 2', 'replicas: 2\n  replica: 3').replace('name: web\n  labels', 'name: typo\n  labels'));
    const u = await c.kubectl(['apply', '-f', unknown]);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /unknown field "spec\.replica"/);
  });

  it('scale, replace, edit and delete', async () => {
    assert.equal(await c.k('scale', 'deploy', 'web', '--replicas=1'), 'deployment.apps/web scaled\n');
    assert.equal(await c.k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '1');
    const current = await c.k('get', 'cm', 'app-config', '-o', 'yaml');
    await c.k('replace', '-f', writeTemp(c, 'cm.yaml', current.replace('color: blue', 'color: green')));
    assert.equal(await c.k('get', 'cm', 'app-config', '-o', 'jsonpath={.data.color}'), 'green');
    // kubectl edit with a scripted editor.
    const editor = writeTemp(c, 'editor.sh', '#!/bin/sh\nsed -i "s/color: green/color: red/" "$1"\n');
    await import('node:fs').then((fs) => fs.chmodSync(editor, 0o755));
    const edit = await c.kubectl(['edit', 'cm', 'app-config'], { env: { KUBE_EDITOR: editor } });
    assert.equal(edit.code, 0, edit.stderr);
    assert.equal(edit.stdout, 'configmap/app-config edited\n');
    assert.equal(await c.k('get', 'cm', 'app-config', '-o', 'jsonpath={.data.color}'), 'red');
    assert.equal(await c.k('delete', 'cm', 'app-config', '--grace-period=0'), 'configmap "app-config" deleted from default namespace\n');
    assert.equal(await c.k('delete', 'deploy', 'api', '--cascade=orphan'), 'deployment.apps "api" deleted from default namespace\n');
    assert.equal((await c.kubectl(['get', 'deploy', 'api'])).code, 1);
  });

  it('diff shows the change a file would make', async () => {
    const changed = writeTemp(c, 'web2.yaml', DEPLOY.replace('nginx:1.27', 'nginx:1.29'));
    const r = await c.kubectl(['diff', '-f', changed]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^-\s+- image: nginx:1\.28$/m);
    assert.match(r.stdout, /^\+\s+- image: nginx:1\.29$/m);
  });

  it('get -w streams changes', async () => {
    const { spawn } = await import('node:child_process');
    const { kubectlPath } = await import('./harness.ts');
    const child = spawn(kubectlPath(), ['get', 'cm', '-w', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: c.kubeconfigPath, HOME: c.dir } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (re: RegExp) => {
      const end = Date.now() + 10_000;
      while (!re.test(out)) {
        if (Date.now() > end) throw new Error(`no ${re} in ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await new Promise((r) => setTimeout(r, 500));
      await c.k('create', 'configmap', 'watched', '--from-literal=a=1');
      await waitFor(/ADDED\s+watched\s+1\s+/);
      await c.k('delete', 'cm', 'watched');
      await waitFor(/DELETED\s+watched\s+1\s+/);
    } finally {
      child.kill();
    }
  });
});

describe('older kubectl clients', () => {
  for (const version of ['v33', 'debian'] as const) {
    describe(`kubectl ${version}`, { skip: missingClient(version) }, () => {
      let c: TestCluster;
      before(async () => {
        c = await startCluster();
      });
      after(async () => {
        await c?.stop();
      });
      it('gets and applies', async () => {
        const k = async (...args: string[]) => {
          const r = await c.kubectl(args, { version });
          assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
          return r.stdout;
        };
        assert.match(await k('get', 'ns'), /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+/);
        assert.equal(await k('apply', '-f', writeTemp(c, 'web.yaml', DEPLOY)), 'deployment.apps/web created\n');
        assert.match(await k('get', 'deploy', 'web'), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+/);
        assert.equal(await k('apply', '-f', writeTemp(c, 'web2.yaml', DEPLOY.replace('replicas: 2', 'replicas: 3'))), 'deployment.apps/web configured\n');
        assert.equal(await k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '3');
      });
    });
  }
});

describe('cascading deletion through ownerReferences', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  async function family(owner: string): Promise<void> {
    await c.k('create', 'configmap', owner);
    const uid = await c.k('get', 'cm', owner, '-o', 'jsonpath={.metadata.uid}');
    for (const child of ['a', 'b']) {
      await c.k(
        'create',
        '-f',
        writeTemp(
          c,
          `${owner}-${child}.yaml`,
          `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${owner}-${child}\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: ${owner}, uid: ${uid}, blockOwnerDeletion: true}\n`,
        ),
      );
    }
  }

  const secrets = async (owner: string) => (await c.k('get', 'secrets', '-o', 'name')).split('\n').filter((l) => l.includes(`/${owner}-`));

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('background: dependents go after their owner', async () => {
    await family('bg');
    await c.k('delete', 'cm', 'bg', '--cascade=background');
    await eventually(async () => (await secrets('bg')).length === 0, 'dependents deleted');
  });

  it('orphan: dependents stay, without the ownerReference', async () => {
    await family('or');
    await c.k('delete', 'cm', 'or', '--cascade=orphan');
    assert.deepEqual(await secrets('or'), ['secret/or-a', 'secret/or-b']);
    assert.equal(await c.k('get', 'secret', 'or-a', '-o', 'jsonpath={.metadata.ownerReferences}'), '');
  });

  it('foreground: the owner waits for its dependents', async () => {
    await family('fg');
    await c.k('delete', 'cm', 'fg', '--cascade=foreground');
    assert.equal((await c.kubectl(['get', 'cm', 'fg'])).code, 1, 'owner gone once kubectl returns');
    assert.deepEqual(await secrets('fg'), []);
  });
});

describe('services', { skip: missingClient('v35') }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('get cluster IPs and node ports allocated, and the kubernetes service exists', async () => {
    assert.match(await c.k('get', 'svc', 'kubernetes'), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nkubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+/);
    assert.equal(await c.k('create', 'service', 'nodeport', 'web', '--tcp=80:8080'), 'service/web created\n');
    const svc = JSON.parse(await c.k('get', 'svc', 'web', '-o', 'json'));
    assert.match(svc.spec.clusterIP, /^10\.96\.0\.\d+$/);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
    await c.k('create', 'service', 'clusterip', 'api', '--tcp=443');
    const ip2 = await c.k('get', 'svc', 'api', '-o', 'jsonpath={.spec.clusterIP}');
    assert.notEqual(ip2, svc.spec.clusterIP);
    const taken = await c.kubectl(['create', '-f', writeTemp(c, 'dup.yaml', `apiVersion: v1\nkind: Service\nmetadata: {name: dup}\nspec:\n  clusterIP: ${ip2}\n  ports: [{port: 80}]\n`)]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /provided IP is already allocated/);
  });
});

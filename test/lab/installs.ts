/**
 * Lab hosts that install packages (LabHostSpec.installs / nvidia): what goes into their own /usr and
 * /etc before they are mounted, and taking Docker out of their own view.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

/** The stand-in NVIDIA runtime: what nvidia-container-runtime is to Docker, a runc with extras. */
const NVIDIA_RUNTIME =
  '#!/bin/sh\n# fleet lab stand-in for nvidia-container-runtime: no GPU hooks, plain runc.\nexec runc "$@"\n';
const NVIDIA_SMI = `#!/bin/sh
# fleet lab stand-in for nvidia-smi: one GPU.
case "$*" in
  *--query-gpu*) echo "NVIDIA Lab Stand-in GPU, 16384 MiB, 550.00" ;;
  *) echo "GPU 0: NVIDIA Lab Stand-in GPU (UUID: GPU-00000000-0000-0000-0000-000000000000)" ;;
esac
`;

/**
 * Written into the host's own /usr and /etc before they are mounted: policy-rc.d (exit 101: no
 * package may start or stop a service, as in Debian's chroots and images) and the NVIDIA stand-ins.
 */
export function prepareInstalls(usr: string, etc: string, nvidia: boolean): void {
  mkdirSync(`${usr}/sbin`, { recursive: true });
  writeFileSync(
    `${usr}/sbin/policy-rc.d`,
    '#!/bin/sh\n# fleet lab: packages start no services here.\nexit 101\n',
    {
      mode: 0o755,
    },
  );
  if (!nvidia) return;
  mkdirSync(`${usr}/bin`, { recursive: true });
  writeFileSync(`${usr}/bin/nvidia-container-runtime`, NVIDIA_RUNTIME, { mode: 0o755 });
  writeFileSync(`${usr}/bin/nvidia-smi`, NVIDIA_SMI, { mode: 0o755 });
  mkdirSync(`${etc}/docker`, { recursive: true });
  // What nvidia-docker2's postinst leaves, plus a key of the user's own that a merge must keep.
  const daemonJson = {
    runtimes: { nvidia: { path: 'nvidia-container-runtime', runtimeArgs: [] } },
    'max-concurrent-downloads': 2,
  };
  writeFileSync(`${etc}/docker/daemon.json`, `${JSON.stringify(daemonJson, null, 4)}\n`);
}

/**
 * Makes an installing host without Docker: docker.io removed from the host's own dpkg database and
 * /usr (whiteouts in its overlays), and the docker CLI in /usr/local hidden. Refuses unless /usr,
 * /etc and /var are overlays in the host's mount namespace: never run against the machine's own.
 */
export async function removeHostDocker(
  exec: (command: string, opts: { timeoutMs: number }) => Promise<unknown>,
): Promise<void> {
  await exec(
    [
      'set -e',
      'for d in /usr /usr/local /etc /var; do t=$(stat -f -c %T "$d"); [ "$t" = overlayfs ] || { echo "$d is $t, not this host\'s overlay: refusing" >&2; exit 1; }; done',
      '[ -x /usr/sbin/policy-rc.d ] || { echo "no policy-rc.d: refusing" >&2; exit 1; }',
      "if dpkg-query -W -f='${db:Status-Abbrev}' docker.io 2>/dev/null | grep -q ^i; then DEBIAN_FRONTEND=noninteractive dpkg --remove --force-depends docker.io >/dev/null; fi",
      'rm -f /usr/local/bin/docker',
    ].join('\n'),
    { timeoutMs: 120_000 },
  );
}

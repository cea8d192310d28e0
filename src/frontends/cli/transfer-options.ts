/**
 * Options and help shared by `fleet push` and `fleet pull` (commands/push.ts, commands/pull.ts).
 */
import { Option, type Command } from 'commander';
import { addSshOptions, parseCount, SSH_OPTIONS_HELP, type SshCliOptions } from './ssh-options.js';
import { addTargetOptions, TARGET_OPTIONS_HELP, type TargetCliOptions } from './target-options.js';

export interface TransferCliOptions extends SshCliOptions, TargetCliOptions {
  concurrency: number;
  report?: string;
  json?: boolean;
  force?: boolean;
  checksum?: boolean;
}

export const TRANSFER_HELP = `
How files travel:
  One tar stream per host over its pooled SSH connection (no scp/sftp process). Each file is
  hashed (sha256) while it is read; files a host already has with the same sha256 are skipped
  (--checksum, the default; --force rewrites them). Every file is written under a temporary name
  beside its destination (.NAME.fleet-XXXX), checked with sha256sum on the host, and only then
  renamed into place: readers never see half a file, an interrupted push leaves the old file.
  Mode and mtime (whole seconds) are kept; --owner sets owner[:group] (needs --sudo or root).
  A directory SRC lands as DEST/NAME; "SRC/" (trailing slash) copies its contents into DEST.
  DEST is absolute; it is a directory when it ends in "/", with several SRC or a directory SRC.
  Names with a newline, tab or backslash are refused.
  Every run writes a JSON report (./reports/push-<time>.json or --report FILE): per host files
  sent/skipped, bytes, sha256 verified, error.
${TARGET_OPTIONS_HELP}
${SSH_OPTIONS_HELP}

Exit codes:
  0    every host has every file (sent or already there)
  1    writing failed on some host (permission, no space, missing parent without --mkdir)
  2    usage error (SRC missing, DEST relative, bad flags)
  3    some host was unreachable (wins over 1 and 8)
  8    a sha256 did not match on some host (its old files are kept)
  130  interrupted: temp files are removed, old files kept`;

export function addTransferOptions(cmd: Command): Command {
  addTargetOptions(cmd);
  addSshOptions(cmd);
  return cmd
    .addOption(
      new Option('-c, --concurrency <n>', 'hosts transferring at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(16),
    )
    .option('--checksum', 'skip files whose sha256 already matches (the default)')
    .option('--force', 'rewrite files even when their sha256 matches')
    .option('--report <file>', 'write the JSON report here instead of ./reports/<command>-<time>.json')
    .option('--json', 'print the JSON report on stdout instead of the human view');
}

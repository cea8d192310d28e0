/** `fleet backup schedule --help` text (its own file: backup.ts loads it without the action's imports). */
export const SCHEDULE_HELP = `
Installs fleet-backup.service + fleet-backup.timer on THIS machine (the Spark, typically): the timer
runs the same \`fleet backup\` with the flags given here (target, hosts, --keep, --only, …), as you,
in this folder (so ./backups, ./reports and nodes.yml resolve the same); every run writes the usual
report. --every 30m/1h/6h/1d runs at fixed wall-clock times (00:00, 06:00, …) and catches up a run
missed while the machine was off; other intervals run that long after the previous run.
Secrets never go in the unit files (fleet refuses to write one that holds a key it knows): S3 keys
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and FLEET_SSH_PASSWORD go in the environment file
(default /etc/fleet/backup.env, yours, mode 0600), which the service reads (EnvironmentFile=);
AWS_PROFILE, AWS_REGION and FLEET_BACKUP_TO / FLEET_S3_* / FLEET_INVENTORY are copied from your
environment when set. In /etc/systemd/system (the default; needs root) the timer is enabled and
started; with --unit-dir elsewhere the files are only written.
  fleet backup schedule --every 6h --to s3://fleet-backups/swarm --s3-endpoint http://spark:9000 --keep 28
  fleet backup schedule --list
  fleet backup schedule --remove`;

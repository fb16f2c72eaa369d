import type { Command } from 'commander';
import type { Projection } from '../../projection/define-projection.js';
import { isReactor } from '../../projection/reactor.js';
import { rebuildProjection } from '../../projection/rebuild.js';
import { projectionStatus, type ProjectionLease, type ProjectionStatus } from '../../projection/status.js';
import { formatFields, formatTable, plural } from '../output.js';
import { createProgress } from '../progress.js';
import { projectionNamed } from '../projections-module.js';
import { withStore } from '../run.js';

export function registerProjections(program: Command): void {
  const projections = program
    .command('projections')
    .summary("list the application's projections and show their progress")
    .description('Commands on the projections of --projections (a module exporting what defineProjection, streamProjection, keyedProjection or defineReactor made).');

  projections
    .command('list')
    .summary('list the projections of --projections')
    .description('List the projections that --projections exports: name, version, collections and their indexes.')
    .action(
      withStore<[], object>(async (context) => {
        const all = await context.projections();
        const { out } = context;
        if (out.json) {
          for (const projection of all) await out.result(describe(projection), '');
          return;
        }
        const rows = all.map((p) => [p.name, String(p.version), isReactor(p) ? 'reactor' : 'projection', collectionsOf(p)]);
        await out.result({}, formatTable(['name', 'version', 'kind', 'collections (indexes)'], rows));
      }),
    );

  projections
    .command('status')
    .summary("show projections' checkpoint, lag, lease and dead letters")
    .description(
      'For each projection of --projections (or the one named): its checkpoint, the head of the log, the lag in positions and seconds, ' +
        'whether a runner holds its lease (owner, epoch, expiry) and how many events it parked.',
    )
    .argument('[name]', 'only this projection')
    .action(
      withStore<[string | undefined], object>(async (context, _options, name) => {
        const all = await context.projections();
        const chosen = name === undefined ? all : [projectionNamed(all, name)];
        const store = await context.store({ create: false });
        const readModels = store.readModelStore();
        for (const projection of chosen) {
          const status = withState(await projectionStatus(store, readModels, projection));
          await context.out.result(statusJson(status), formatStatus(status));
        }
      }),
    );

  projections
    .command('rebuild')
    .summary('rebuild a projection from the log, beside the live one, and switch to it')
    .description(
      "Build the projection's next generation from the start of the log beside the live one (which keeps serving queries and " +
        'being updated by the running application), then make it live in one atomic switch; running runners move to it. ' +
        'Progress goes to stderr.',
    )
    .argument('<name>', 'the projection')
    .option('--drop-previous', "drop the previous generation's collections after the switch")
    .action(
      withStore<[string], RebuildCommandOptions>(async (context, options, name) => {
        const projection = projectionNamed(await context.projections(), name);
        const store = await context.store({ create: false });
        const { out } = context;
        const progress = createProgress(process.stderr);
        const task = progress.task(`rebuilding ${name}`);
        const result = await rebuildProjection(store, projection, {
          dropPrevious: options.dropPrevious === true,
          onProgress: ({ checkpoint, head, positionsPerSecond, etaSeconds }) =>
            task.update(
              head === 0 ? 1 : Math.min(1, checkpoint / head),
              `${checkpoint}/${head}, ${Math.round(positionsPerSecond).toLocaleString('en-US')}/s${etaSeconds === undefined ? '' : `, ${Math.ceil(etaSeconds)} s left`}`,
            ),
        });
        task.done(`generation ${result.generation} at position ${result.checkpoint}`);
        const was = result.previous === undefined ? 'none was live before' : `was ${result.previous}${options.dropPrevious ? ', dropped' : ''}`;
        await out.result(result, `rebuilt ${name}: generation ${result.generation} is live (${was}), at position ${result.checkpoint}, in ${result.seconds.toFixed(1)} s`);
      }),
    );
}

interface RebuildCommandOptions {
  readonly dropPrevious?: boolean;
}

/** The status as the CLI sees it: `state` says whether any process runs the projection (this one runs none). */
function withState(status: ProjectionStatus): ProjectionStatus {
  const leases = status.partitions?.map((partition) => partition.lease) ?? [status.lease];
  const held = leases.some(({ expiresAt, owner }) => owner !== undefined && expiresAt !== undefined && expiresAt.getTime() > Date.now());
  return { ...status, state: held ? 'running' : 'stopped' };
}

/** The status with its unknowns as null, so that every field is in the JSON. */
function statusJson(status: ProjectionStatus): object {
  const { lease } = status;
  const leaseJson = ({ owner, epoch, expiresAt }: ProjectionLease) => ({ owner: owner ?? null, epoch, expiresAt: expiresAt ?? null });
  return {
    ...status,
    lease: leaseJson(lease),
    ...(status.partitions ? { partitions: status.partitions.map((partition) => ({ ...partition, lease: leaseJson(partition.lease), updatedAt: partition.updatedAt ?? null })) } : {}),
    liveGeneration: status.liveGeneration ?? null,
    lastError: status.lastError ?? null,
    updatedAt: status.updatedAt ?? null,
  };
}

function formatStatus(status: ProjectionStatus): string[] {
  const { lease, lag } = status;
  const leaseText = lease.owner === undefined ? `none (epoch ${lease.epoch})` : `${lease.owner}, epoch ${lease.epoch}, until ${lease.expiresAt!.toISOString()}`;
  const grouped = status.partitions !== undefined;
  const fields: [string, string][] = [
    [
      'state',
      grouped ? (status.state === 'running' ? 'running (members hold partition leases)' : 'stopped (no member holds a partition lease)')
      : status.state === 'running' ? 'running (a runner holds its lease)'
      : 'stopped (no runner holds its lease)',
    ],
    [grouped ? 'checkpoint (lowest partition)' : 'checkpoint', String(status.checkpoint)],
    ['head', String(status.head)],
    ['lag', lag.positions === 0 ? 'caught up' : `${plural(lag.positions, 'position')}, ${lag.seconds.toFixed(1)} s`],
    ...(grouped ? [] : [['lease', leaseText] as [string, string]]),
    ['dead letters', status.deadLetters >= 10_000 ? '10000 or more' : String(status.deadLetters)],
    ['updated', status.updatedAt?.toISOString() ?? 'never'],
  ];
  if (status.lastError !== undefined) fields.push(['last error', `${status.lastError.message} (${status.lastError.at.toISOString()})`]);
  const live =
    status.liveGeneration === status.generation ? 'live'
    : status.liveGeneration === undefined ? 'none is live yet'
    : `queries read generation ${status.liveGeneration}`;
  const lines = [`${status.name} v${status.version}, generation ${status.generation} (${live})`, ...formatFields(fields).map((line) => `  ${line}`)];
  if (status.partitions !== undefined) {
    lines.push('', `  ${plural(status.partitions.length, 'partition')}:`);
    const rows = status.partitions.map((partition) => [
      String(partition.partition),
      partition.lease.owner ?? '-',
      String(partition.lease.epoch),
      String(partition.checkpoint),
      partition.lag.positions === 0 ? 'caught up' : `${partition.lag.positions} (${partition.lag.seconds.toFixed(1)} s)`,
      String(partition.deadLetters),
    ]);
    lines.push(...formatTable(['partition', 'owner', 'epoch', 'checkpoint', 'lag', 'dead letters'], rows).map((line) => `  ${line}`));
    const members = status.members ?? [];
    lines.push('', `  ${plural(members.length, 'member')}:`);
    const memberRows = members.map((member) => [
      member.member,
      member.alive ? 'alive' : 'gone',
      member.lastHeartbeat.toISOString(),
      member.partitions.length === 0 ? '-' : member.partitions.join(','),
    ]);
    lines.push(...formatTable(['member', 'state', 'last heartbeat', 'partitions'], memberRows).map((line) => `  ${line}`));
  }
  return lines;
}

function describe(projection: Projection<any>): object {
  const collections = Object.fromEntries([...projection.specs].map(([name, spec]) => [name, { indexes: spec.indexes }]));
  return { name: projection.name, version: projection.version, kind: isReactor(projection) ? 'reactor' : 'projection', handles: projection.handles ?? {}, collections };
}

function collectionsOf(projection: Projection<any>): string {
  const parts = [...projection.specs].map(([name, spec]) => {
    const indexes = Object.entries(spec.indexes).map(([field, kind]) => `${field}: ${kind}`);
    return indexes.length === 0 ? name : `${name} (${indexes.join(', ')})`;
  });
  return parts.length === 0 ? '-' : parts.join('; ');
}

// Turns the JSON of run.js and hang-soak.js into the markdown of
// benchmarks/results/fork-latency.md.
'use strict';

const { median, percentile, min, max } = require('./stats.js');

const GOAL_MS = 10;
const GOAL_SIZE_MIB = 1024;

function fmtMs(value) {
  if (!Number.isFinite(value)) return '–';
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${Math.round(value).toLocaleString('en-US')} ms`;
}

function fmtSize(mib) {
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

function fmtInt(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The first fork is reported apart: it runs one-time checks and loads code. */
function summariseFork(run) {
  const [first, ...rest] = run.samples;
  const later = rest.length > 0 ? rest : [first];
  const of = (key) => later.map((s) => s[key]);
  return {
    sizeMiB: run.sizeMiB,
    count: run.samples.length,
    first: first.totalMs,
    median: median(of('totalMs')),
    p90: percentile(of('totalMs'), 90),
    min: min(of('totalMs')),
    max: max(of('totalMs')),
    prepare: median(of('prepareMs')),
    fork: median(of('forkMs')),
    toChildMain: median(of('toChildMainMs')),
    delivery: median(of('deliveryMs')),
    resolved: median(of('resolvedMs')),
    faults: median(of('childFaults')),
    childCpu: median(later.map((s) => s.childUserMs + s.childSystemMs)),
    rssMiB: run.state.rssMiB,
    mapsLines: run.mapsLines,
    mappings: run.prepareAlone?.mappings,
    prepareAloneMs: run.prepareAlone?.prepareMs,
    safetyCheckMs: run.safetyCheckMs,
    buildMs: run.buildMs,
    state: run.state,
  };
}

function summariseRebuild(run) {
  const of = (key) => run.samples.map((s) => s[key]);
  return {
    sizeMiB: run.sizeMiB,
    count: run.samples.length,
    median: median(of('totalMs')),
    min: min(of('totalMs')),
    max: max(of('totalMs')),
    nodeStart: median(of('nodeStartMs')),
    rebuild: median(of('rebuildMs')),
  };
}

function goalParagraph(forks) {
  const target = forks.find((f) => f.sizeMiB === GOAL_SIZE_MIB);
  if (!target) {
    return `Goal (fork to first message at ${fmtSize(GOAL_SIZE_MIB)} of state: at most ${GOAL_MS} ms): ` +
      'not measured in this run (no 1 GiB configuration; the quick mode uses small sizes).';
  }
  const met = target.median <= GOAL_MS;
  const rest = target.median - target.prepare - target.fork;
  return [
    `**Goal: fork to first message at 1 GiB of state in at most ${GOAL_MS} ms. ` +
      `Measured: median ${fmtMs(target.median)}, p90 ${fmtMs(target.p90)}, min ${fmtMs(target.min)}: ` +
      `${met ? 'met' : 'not met'}.**`,
    '',
    `Where the ${fmtMs(target.median)} go at 1 GiB (medians): the \`fork()\` system call itself ` +
      `(\`timing.forkMs\`, the kernel copying the page tables of ${fmtInt(target.rssMiB)} MiB resident) ` +
      `${fmtMs(target.fork)} (${Math.round((100 * target.fork) / target.median)}%); the preparation ` +
      `(\`timing.prepareMs\`: making V8's heap inheritable over ${fmtInt(target.mappings)} anonymous mappings ` +
      `read from /proc/self/maps, and whatever else the addon does before the system call) ${fmtMs(target.prepare)}; ` +
      `everything else (the loop turn to cowloop's fork point, the fork-safety check at ${fmtMs(target.safetyCheckMs)}, ` +
      `pipes, the child's set-up up to \`main\`, and delivery of the message) ${fmtMs(rest)}. ` +
      `The child takes ${fmtInt(target.faults)} page faults (copy-on-write of the pages it writes first) ` +
      `and ${fmtMs(target.childCpu)} of CPU before \`main\` runs.`,
  ].join('\n');
}

function sharedParagraph(forks, sharedForks) {
  return sharedForks.flatMap((sh) => {
    const f = forks.find((x) => x.sizeMiB === sh.sizeMiB);
    if (!f) return [];
    return [
      `With the Float64Array half of the ${fmtSize(sh.sizeMiB)} in \`sharedMemory()\` (a MAP_SHARED mapping) instead of ` +
        `an ArrayBuffer, the system call takes ${fmtMs(sh.fork)} instead of ${fmtMs(f.fork)} and fork to first message ` +
        `${fmtMs(sh.median)} instead of ${fmtMs(f.median)} (medians): the kernel copies no page tables for shared ` +
        'mappings (a child faults them in when it reads them), so large typed-array state held there makes forks cheaper.',
      '',
    ];
  });
}

function kernelFloorParagraph(floor, forks) {
  if (!floor) return [];
  const f = forks.find((x) => x.sizeMiB === floor.sizeMiB);
  const small = floor.small.slice(1);
  const huge = floor.huge.slice(1);
  return [
    `The kernel's own cost, without Node.js (\`benchmarks/fork-latency/kernel-floor.c\`): a C process with ` +
      `${fmtSize(floor.sizeMiB)} of written anonymous memory in one mapping forks in ${fmtMs(median(small))} ` +
      `(median, min ${fmtMs(min(small))}) with 4 KiB pages, and in ${fmtMs(median(huge))} (min ${fmtMs(min(huge))}) ` +
      `after \`madvise(MADV_HUGEPAGE)\` (transparent huge pages here: \`${floor.thp}\`)` +
      (f ? `; cowloop's \`fork()\` system call with ${fmtSize(f.sizeMiB)} of state (${fmtInt(f.rssMiB)} MiB resident in all) ` +
        `took ${fmtMs(f.fork)}.` : '.') +
      ' With 2 MiB pages the kernel copies one page-table entry per 2 MiB instead of 512.',
    '',
  ];
}

const HUGE_LABELS = {
  default: 'default (4 KiB pages)',
  hugePages: '`fork(main, { hugePages: true })`',
  malloc: '`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`',
  both: 'both',
};

/** The huge-page comparison: later forks of every round pooled per configuration. */
function summariseHuge(huge) {
  const configs = [...new Set(huge.runs.map((r) => r.config))];
  const rows = configs.map((config) => {
    const runs = huge.runs.filter((r) => r.config === config);
    const later = runs.flatMap((r) => r.samples.slice(1));
    const of = (key) => later.map((s) => s[key]);
    return {
      config,
      forks: later.length,
      median: median(of('totalMs')),
      p90: percentile(of('totalMs'), 90),
      min: min(of('totalMs')),
      fork: median(of('forkMs')),
      forkCpu: median(of('forkCpuMs')),
      prepare: median(of('prepareMs')),
      rest: median(later.map((s) => s.totalMs - s.forkMs - s.prepareMs - s.hugePagesMs)),
      hugeFirst: median(runs.map((r) => r.samples[0].hugePagesMs)),
      hugeLater: median(of('hugePagesMs')),
      parentHugeMiB: median(runs.map((r) => r.parentMemory.anonHuge)),
      parentRssMiB: median(runs.map((r) => r.parentMemory.rss)),
      childUssMiB: median(later.map((s) => s.childMemory.uss)),
      buildMs: median(runs.map((r) => r.buildMs)),
    };
  });
  const floorOf = (pages) => huge.floor.flatMap((f) => (f[pages] ?? []).slice(1));
  return {
    rows,
    floorSmall: median(floorOf('small')),
    floorHuge: median(floorOf('huge')),
    floorSmallMin: min(floorOf('small')),
    floorHugeMin: min(floorOf('huge')),
    floorSmallCpu: median(floorOf('smallCpu')),
    floorHugeCpu: median(floorOf('hugeCpu')),
  };
}

function hugeSection(huge, mode) {
  if (!huge) return [];
  const { rows, floorSmall, floorHuge, floorSmallMin, floorHugeMin, floorSmallCpu, floorHugeCpu } = summariseHuge(huge);
  const byName = Object.fromEntries(rows.map((r) => [r.config, r]));
  const best = rows.reduce((a, b) => (b.median < a.median ? b : a));
  const tableRows = rows.map((r) => [
    HUGE_LABELS[r.config] ?? r.config, String(r.forks), fmtMs(r.median), fmtMs(r.p90), fmtMs(r.min), fmtMs(r.fork),
    fmtMs(r.forkCpu), fmtMs(r.prepare), fmtMs(r.rest), r.config === 'hugePages' || r.config === 'both' ? `${fmtMs(r.hugeFirst)} / ${fmtMs(r.hugeLater)}` : '–',
    `${fmtInt(r.parentHugeMiB)} of ${fmtInt(r.parentRssMiB)} MiB`, `${r.childUssMiB.toFixed(1)} MiB`, fmtMs(r.buildMs),
  ]);
  const floorRuns = String(huge.floor.length * (huge.repeat - 1));
  tableRows.push(['kernel floor, 4 KiB pages (`kernel-floor.c`)', floorRuns, fmtMs(floorSmall), '–', fmtMs(floorSmallMin), fmtMs(floorSmall), fmtMs(floorSmallCpu), '–', '–', '–', '–', '–', '–']);
  tableRows.push(['kernel floor, huge pages', floorRuns, fmtMs(floorHuge), '–', fmtMs(floorHugeMin), fmtMs(floorHuge), fmtMs(floorHugeCpu), '–', '–', '–', '–', '–', '–']);
  const d = byName.default;
  const h = byName.hugePages;
  return [
    `### Huge pages at ${fmtSize(huge.sizeMiB)}`,
    '',
    provenanceLine(huge, mode),
    '',
    `\`uptime\` before: \`${huge.uptimeBefore}\`; after: \`${huge.uptimeAfter}\`. Transparent huge pages: ` +
      `enabled \`${huge.thp.enabled}\`, defrag \`${huge.thp.defrag}\`.`,
    '',
    `The same ${fmtSize(huge.sizeMiB)} state as above, four ways, each in its own node process ` +
      `(\`run.js --size ${huge.sizeMiB} --work [--huge-pages]\`), all four and then the kernel floor once per round, ` +
      `${huge.rounds} rounds of ${huge.repeat} forks (the first fork of each process reported apart): so load from ` +
      'other work falls on every configuration alike. Medians. *`forkCpuMs`*: the CPU time of the system call ' +
      '(`CLOCK_THREAD_CPUTIME_ID`; for the floor, `kernel-floor.c ... cpu` in separate forks): the wall time less ' +
      'the waits for a core, though not less the slowdown other work causes on the same cores. *hugePages*: the time `fork()` spent collapsing large mappings ' +
      'into huge pages (`timing.hugePagesMs`), on the first fork of a process and then the median of the others. ' +
      '*Rest*: fork to first message less the system call, the preparation and that time. *Parent in huge pages*: ' +
      'AnonHugePages of the parent after its forks. *Child USS*: private memory of each child after some work on the ' +
      'inherited state (1% of the records written, one value per 2 MiB of the Float64Array written, 100,000 new ' +
      'objects and 4 MiB of Buffers), from its /proc/self/smaps_rollup.',
    '',
    table(
      ['Configuration', 'Forks', 'Median', 'p90', 'Min', '`forkMs`', '`forkCpuMs`', '`prepareMs`', 'Rest', 'hugePages first / later', 'Parent in huge pages', 'Child USS', 'State built in'],
      tableRows,
    ),
    '',
    `Fastest: ${HUGE_LABELS[best.config] ?? best.config}, median ${fmtMs(best.median)} from \`fork()\` to the first ` +
      `message (goal ${GOAL_MS} ms: ${best.median <= GOAL_MS ? 'met' : 'not met'} in this run), against ` +
      `${fmtMs(d.median)} with the defaults; the kernel alone forks ${fmtSize(huge.sizeMiB)} in ${fmtMs(floorSmall)} ` +
      `with 4 KiB pages and ${fmtMs(floorHuge)} with huge pages in the same rounds (CPU time ${fmtMs(floorSmallCpu)} ` +
      `and ${fmtMs(floorHugeCpu)}; cowloop's system call ${fmtMs(best.forkCpu)} of CPU in that configuration, ${fmtMs(d.forkCpu)} ` +
      'with the defaults).' +
      (h ? ` The \`hugePages\` option cost ${fmtMs(h.hugeFirst)} on the first fork of a process (the kernel copies ` +
        "every collapsed block once) and a child's private memory after the same work was " +
        `${h.childUssMiB.toFixed(1)} MiB against ${d.childUssMiB.toFixed(1)} MiB with the defaults.` : ''),
    '',
  ];
}

function provenanceLine({ command, date, revision, machine, loadAverage }, mode) {
  const load = Number.isFinite(loadAverage) ? `, load average ${loadAverage.toFixed(1)} when it started` : '';
  return `Command: \`${command}\`${mode === 'quick' ? ' (quick mode: small sizes, few repetitions; not a result)' : ''}, ` +
    `${date}, ${revision}. Machine: ${machine}${load}.`;
}

function formatResults({ mode, runFlags, soakFlags, latency, huge, soak: soakPart }) {
  const runs = latency.runs;
  const soak = soakPart.result;
  const isShared = (r) => r.values === 'shared';
  const forks = runs.filter((r) => r.method === 'cowloop' && !isShared(r)).map(summariseFork);
  const sharedForks = runs.filter((r) => r.method === 'cowloop' && isShared(r)).map(summariseFork);
  const rebuilds = runs.filter((r) => r.method === 'child-process').map(summariseRebuild);
  const sizes = forks.map((f) => f.sizeMiB);

  const latencyRows = [];
  for (const size of sizes) {
    const f = forks.find((x) => x.sizeMiB === size);
    const r = rebuilds.find((x) => x.sizeMiB === size);
    latencyRows.push([
      fmtSize(size), 'cowloop `fork()`', `1 + ${f.count - 1}`, fmtMs(f.first), fmtMs(f.median), fmtMs(f.p90),
      fmtMs(f.min), fmtMs(f.prepare), fmtMs(f.fork), '–',
    ]);
    if (r) {
      latencyRows.push([
        fmtSize(size), '`child_process.fork` + rebuild', String(r.count), '–', fmtMs(r.median), '–', fmtMs(r.min),
        '–', '–', `${Math.round(r.median / f.median).toLocaleString('en-US')}x slower`,
      ]);
    }
    const sh = sharedForks.find((x) => x.sizeMiB === size);
    if (sh) {
      latencyRows.push([
        fmtSize(size), 'cowloop `fork()`, Float64Array in `sharedMemory()`', `1 + ${sh.count - 1}`, fmtMs(sh.first),
        fmtMs(sh.median), fmtMs(sh.p90), fmtMs(sh.min), fmtMs(sh.prepare), fmtMs(sh.fork), '–',
      ]);
    }
  }

  const breakdownRows = [...forks, ...sharedForks.map((f) => ({ ...f, shared: true }))].map((f) => [
    `${fmtSize(f.sizeMiB)}${f.shared ? ', shared Float64Array' : ''}`,
    `${fmtInt((f.state.valueCount * Float64Array.BYTES_PER_ELEMENT) / 2 ** 20)} + ${fmtInt(f.state.recordsMiB)} MiB (${fmtInt(f.state.recordCount)} objects)`,
    `${fmtInt(f.rssMiB)} MiB`,
    fmtInt(f.mapsLines),
    fmtInt(f.mappings),
    fmtMs(f.prepareAloneMs),
    fmtMs(f.resolved),
    fmtMs(f.toChildMain),
    fmtMs(f.delivery),
    fmtInt(f.faults),
  ]);

  const rebuildRows = rebuilds.map((r) => [
    fmtSize(r.sizeMiB), fmtMs(r.nodeStart), fmtMs(r.rebuild), fmtMs(r.median), `${fmtMs(r.min)} – ${fmtMs(r.max)}`,
  ]);

  const hung = soak.hungKilled;
  const soakRows = [[
    fmtInt(soak.forks), String(soak.concurrency), fmtInt(soak.exitedZero),
    soak.nonZero.length === 0 ? '0' : `${soak.nonZero.length}: ${soak.nonZero.slice(0, 5).map((e) => e.signal ?? `code ${e.code}`).join(', ')}`,
    String(soak.slow), String(hung), String(soak.wrongResult), fmtMs(soak.childMs.median), fmtMs(soak.childMs.max),
    `${fmtInt(soak.gcsPerChild.scavengesMedian)} / ${fmtInt(soak.gcsPerChild.fullGcsMedian)}`, `${soak.wallS.toFixed(0)} s`,
  ]];
  const soakVerdict = soak.exitedZero === soak.forks && hung === 0 && soak.slow === 0
    ? `No hang: all ${fmtInt(soak.forks)} children exited with code 0, none took more than ${soak.slowAfterS} s.`
    : `**Not clean: ${soak.forks - soak.exitedZero} of ${fmtInt(soak.forks)} children did not exit with code 0, ` +
      `${soak.slow} took more than ${soak.slowAfterS} s, ${hung} were killed after ${soak.killAfterS} s.**`;

  return `${[
    '## Fork latency',
    '',
    provenanceLine(latency, mode),
    '',
    'Time from calling `fork()` to the first message of the child arriving in the parent; the child sends it ' +
      'as the first thing in `main`, with the parent\'s state already there. The state is built in the parent ' +
      'before forking: half of it a `Float64Array`, half small JS objects in a `Map` (every page written). ' +
      'The alternative, `child_process.fork` of a script that rebuilds the same state and then sends its first ' +
      'message, is timed the same way, from the call to the message (its node is started without flags, its ' +
      'fastest configuration; the parent holds the same state). Each row ran in its own node process ' +
      `(\`node ${runFlags.join(' ')} benchmarks/fork-latency/run.js --size <MiB> --method cowloop|child-process\`), ` +
      'one fork at a time, each child reaped before the next. The first fork of a process is reported apart ' +
      '(one-time checks, code loaded on first use); median, p90 (nearest rank) and min are over the forks after it.',
    '',
    table(
      ['State', 'Method', 'Runs', 'First', 'Median', 'p90', 'Min', '`prepareMs` (median)', '`forkMs` (median)', 'Compared with `fork()`'],
      latencyRows,
    ),
    '',
    goalParagraph(forks),
    '',
    ...sharedParagraph(forks, sharedForks),
    ...kernelFloorParagraph(latency.kernelFloor, forks),
    ...hugeSection(huge, mode),
    '### Where a fork\'s time goes',
    '',
    'Medians over the forks after the first. *Resolved*: `fork()` call until its promise resolves in the parent. ' +
      '*Child main*: `fork()` call until `main` starts in the child (one monotonic clock for both processes). ' +
      '*Delivery*: `main` sending until the parent\'s `message` event. *Faults*: page faults the child took ' +
      'before `main` (the kernel starts a new process\'s counters at zero). *Prepare alone*: the preparation ' +
      'timed by itself after the forks.',
    '',
    table(
      ['State', 'Float64Array + objects', 'RSS at fork', '/proc/self/maps lines', 'Mappings marked', 'Prepare alone', 'Resolved', 'Child main', 'Delivery', 'Faults'],
      breakdownRows,
    ),
    '',
    '### `child_process.fork` and rebuild',
    '',
    '*Node start*: call until the first line of the script runs. *Rebuild*: building the state in the new process.',
    '',
    table(['State', 'Node start (median)', 'Rebuild (median)', 'Total (median)', 'Range'], rebuildRows),
    '',
    '### Hang soak: GC-heavy children',
    '',
    provenanceLine(soakPart, mode),
    '',
    `\`node ${soakFlags.join(' ')} benchmarks/fork-latency/hang-soak.js --forks ${soak.forks} ` +
      `--concurrency ${soak.concurrency} --objects ${soak.objectsPerChild} --state ${soak.stateMiB}\` ` +
      '(the cowloop command\'s node flags). ' +
      `A parent holding ${soak.stateMiB} MiB of state forks ${fmtInt(soak.forks)} children, ${soak.concurrency} at a time; ` +
      `each allocates ${fmtInt(soak.objectsPerChild)} short-lived objects (some promoted, then dead) and ends with a ` +
      'full compacting GC (`collectGarbage()`). GC counts come from `v8.GCProfiler` in the child. A child still ' +
      `running after ${soak.killAfterS} s is killed and counted as hung.`,
    '',
    table(
      ['Forks', 'At a time', 'Exit 0', 'Other exits', `Over ${soak.slowAfterS} s`, 'Killed as hung', 'Wrong result', 'Child time (median)', 'Child time (max)', 'Scavenges / full GCs per child', 'Wall'],
      soakRows,
    ),
    '',
    soakVerdict,
  ].join('\n')}\n`;
}

module.exports = { formatResults, summariseFork, summariseRebuild, summariseHuge };

// Jest reporter: each suite's wall time and the total, printed after the run (the figures
// docs/performance.md quotes).
class SuiteTimes {
  onRunComplete(_contexts, results) {
    const rows = results.testResults
      .map((r) => ({ file: r.testFilePath.replace(/^.*\/test\/integration\//, ''), seconds: (r.perfStats.end - r.perfStats.start) / 1000, ok: r.numFailingTests === 0 && !r.testExecError }))
      .sort((a, b) => b.seconds - a.seconds);
    if (rows.length === 0) return;
    const width = Math.max(...rows.map((r) => r.file.length));
    const total = (Date.now() - results.startTime) / 1000;
    const lines = rows.map((r) => `  ${r.file.padEnd(width)}  ${r.seconds.toFixed(1).padStart(6)} s${r.ok ? '' : '  FAILED'}`);
    process.stdout.write(`\nintegration suites (wall time each, slowest first):\n${lines.join('\n')}\n  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(6)} s\n`);
  }
}
module.exports = SuiteTimes;

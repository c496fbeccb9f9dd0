// A node:test reporter that records every skipped test or suite (name, file, reason) as one JSON line each;
// scripts/run-tests.mjs prints them in its summary and, under CI, fails the run when there is any.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined && event.data.skip !== false) {
      const { name, file, skip } = event.data;
      yield `${JSON.stringify({ name, file, reason: typeof skip === 'string' ? skip : '' })}\n`;
    }
  }
}

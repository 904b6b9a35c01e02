import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerDiff(area: Command, ctx: () => CliContext): void {
  area
    .command('diff')
    .description('compare two JSON audit reports: failures fixed and new failures (exit 1 when there are new failures)')
    .argument('<old>', 'earlier report (swarmguard audit --format json)')
    .argument('<new>', 'later report')
    .action(async (oldFile: string, newFile: string) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { InputError } = await import('../../../errors.js');
      const { diffFindings, parseFindings } = await import('../../../audit/diff.js');
      const read = (f: string): unknown => {
        try {
          return JSON.parse(readFileArg(f, 'audit report').toString('utf8'));
        } catch (e) {
          if (e instanceof SyntaxError) throw new InputError('ERR_AUDIT_FINDINGS_JSON', `${f} is not valid JSON (${e.message})`, { cause: e });
          throw e;
        }
      };
      const d = diffFindings(parseFindings(read(oldFile), oldFile), parseFindings(read(newFile), newFile));
      const line = (f: { rule: string; severity: string; target: { kind: string; id: string; name?: string }; message: string }): string =>
        `  [${f.severity}] ${f.rule} ${f.target.kind} ${f.target.name ?? f.target.id}: ${f.message}`;
      c.emit(d, () => [`fixed (${d.fixed.length}):`, ...d.fixed.map(line), `new (${d.new.length}):`, ...d.new.map(line), `still failing: ${d.stillFailing}`].join('\n'));
      if (d.new.length) c.setExitCode(1);
    });
}

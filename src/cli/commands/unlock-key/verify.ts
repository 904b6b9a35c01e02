import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerVerify(area: Command, ctx: () => CliContext): void {
  area
    .command('verify')
    .description('does this unlock key open the node\'s key and its raft DEK, and does the key match the node certificate? exit 0 yes, 1 no, 2 bad input')
    .requiredOption('--node-key <file>', 'the node\'s certificates/swarm-node.key')
    .option('--node-cert <file>', 'the node\'s certificates/swarm-node.crt: also check the key belongs to it')
    .option('--key-file <file>', 'file holding the SWMKEY-1-... unlock key (- for stdin; default: stdin when piped)')
    .action(async (o: { nodeKey: string; nodeCert?: string; keyFile?: string }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { readSecretText } = await import('../token/input.js');
      const { parseNodeKeyFile } = await import('../../../tokens/node-key.js');
      const { parseUnlockKey } = await import('../../../tokens/unlock-key.js');
      const { loadNodeCertificate, verifyUnlockKey } = await import('../../../tokens/unlock-verify.js');
      const { TokenUsageError } = await import('../../../tokens/errors.js');
      const file = parseNodeKeyFile(readFileArg(o.nodeKey, 'the node key'));
      const certificate = o.nodeCert ? loadNodeCertificate(readFileArg(o.nodeCert, 'the node certificate')) : undefined;
      const keyText = readSecretText({ file: o.keyFile, what: 'unlock key', flag: '--key-file', missingCode: 'ERR_UNLOCK_KEY_MISSING', required: file.format === 'pkcs8' ? false : true });
      const kek = keyText === undefined ? undefined : parseUnlockKey(keyText);
      const r = verifyUnlockKey(file, { ...(kek ? { kek } : {}), ...(certificate ? { certificate } : {}) });
      kek?.fill(0);
      if (r.status === 'no-key') throw new TokenUsageError('ERR_UNLOCK_KEY_MISSING', 'the node key is encrypted (autolock on): pipe the unlock key on stdin or pass --key-file');
      if (!r.ok) c.setExitCode(1);
      c.emit(r, () => {
        const head: Record<string, string> = {
          opens: `ok: unlock key ${r.unlockKeyFingerprint} opens ${o.nodeKey}`,
          'wrong-key': `WRONG KEY: unlock key ${r.unlockKeyFingerprint} does not open ${o.nodeKey}; this node would stay locked with it`,
          'dek-unreadable': `DEK UNREADABLE: the key opens ${o.nodeKey} but not every raft DEK record in its headers`,
          'autolock-off': `autolock is off: ${o.nodeKey} is not encrypted and its raft DEK is stored in plaintext`,
          'no-key': '',
        };
        const lines = [head[r.status]];
        lines.push(`  node key: ${r.nodeKey.format}${r.nodeKey.keyType ? ` (${r.nodeKey.keyType})` : ''}${r.nodeKey.kekVersion !== undefined ? `, kek-version ${r.nodeKey.kekVersion}` : ''}`);
        for (const d of r.deks) lines.push(`  ${d.header}: ${d.algorithm}, ${d.readable ? `readable (${d.bytes} bytes)` : 'NOT readable with this key'}`);
        if (r.certificate) lines.push(`  certificate ${r.certificate.subject}: ${r.certificate.matchesKey === null ? 'not checked (key not opened)' : r.certificate.matchesKey ? 'matches the key' : 'DOES NOT match the key'}`);
        for (const n of r.notes) lines.push(`  note: ${n}`);
        return lines.join('\n');
      });
    });
}

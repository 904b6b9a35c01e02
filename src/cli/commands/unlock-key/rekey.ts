import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRekey(area: Command, ctx: () => CliContext): void {
  area
    .command('rekey')
    .description('offline: re-encrypt a manager\'s node key and raft DEK records under a new unlock key, in SwarmKit\'s exact format (written atomically, 0600)')
    .requiredOption('--node-key <file>', 'the node\'s certificates/swarm-node.key (dockerd stopped)')
    .requiredOption('--out <file>', 'where to write the re-encrypted key')
    .option('--key-file <file>', 'file holding the current unlock key (- for stdin)')
    .option('--new-key-file <file>', 'file holding the new unlock key (- for stdin)')
    .option('--generate', 'generate the new unlock key and print it on stdout (instead of --new-key-file)')
    .option('--force', 'overwrite --out if it exists')
    .action(async (o: { nodeKey: string; out: string; keyFile?: string; newKeyFile?: string; generate?: boolean; force?: boolean }) => {
      const c = ctx();
      const { existsSync } = await import('node:fs');
      const { readFileArg } = await import('../../context.js');
      const { readSecretText } = await import('../token/input.js');
      const { parseUnlockKey, newUnlockKey, formatUnlockKey } = await import('../../../tokens/unlock-key.js');
      const { rekeyNodeKey } = await import('../../../tokens/rekey.js');
      const { TokenUsageError } = await import('../../../tokens/errors.js');
      const { writeFileAtomic } = await import('../../../store/file-store.js');
      if (o.generate === (o.newKeyFile !== undefined)) throw new TokenUsageError('ERR_UNLOCK_KEY_MISSING', 'give the new unlock key with --new-key-file FILE, or --generate to make one');
      if (o.keyFile === '-' && o.newKeyFile === '-') throw new TokenUsageError('ERR_UNLOCK_KEY_MISSING', 'the old and the new key cannot both come from stdin');
      if (existsSync(o.out) && !o.force) throw new TokenUsageError('ERR_UNLOCK_KEY_MISSING', `${o.out} exists; pass --force to replace it (atomically)`);
      const input = readFileArg(o.nodeKey, 'the node key');
      const oldKek = parseUnlockKey(readSecretText({ file: o.keyFile, what: 'current unlock key', flag: '--key-file', missingCode: 'ERR_UNLOCK_KEY_MISSING', allowStdin: o.newKeyFile !== '-' })!);
      const newKek = o.generate ? newUnlockKey() : parseUnlockKey(readSecretText({ file: o.newKeyFile, what: 'new unlock key', flag: '--new-key-file', missingCode: 'ERR_UNLOCK_KEY_MISSING', allowStdin: false })!);
      try {
        const r = rekeyNodeKey(input, oldKek, newKek, { now: c.clock.now() });
        await writeFileAtomic(o.out, r.pem, 0o600);
        const doc = { out: o.out, oldKeyFingerprint: r.oldKeyFingerprint, newKeyFingerprint: r.newKeyFingerprint, resealed: r.resealed, ...(r.kekVersion !== undefined ? { kekVersion: r.kekVersion } : {}), ...(o.generate ? { unlockKey: formatUnlockKey(newKek) } : {}) };
        c.log(`re-encrypted ${o.nodeKey} → ${o.out} under unlock key ${r.newKeyFingerprint} (was ${r.oldKeyFingerprint}); resealed ${r.resealed.join(', ') || 'no DEK headers'}`);
        c.log('note: once unlocked, a manager re-encrypts its key with the unlock key stored in the cluster; to change the cluster\'s key use `swarmguard unlock-key rotate`');
        c.emit(doc, () => (o.generate ? formatUnlockKey(newKek) : ''));
      } finally {
        oldKek.fill(0);
        newKek.fill(0);
      }
    });
}

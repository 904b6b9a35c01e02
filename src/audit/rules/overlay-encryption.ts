/**
 * CIS 7.3 / SW-13: overlay networks carry `encrypted`. Unlike docker-bench,
 * the default `ingress` network is judged apart: it matters only while
 * services publish ports through the routing mesh.
 */
import type { RuleKind } from '../types.js';
import { unknown } from './util.js';

interface Params {
  /** Severity for an unencrypted ingress while services publish ingress ports. */
  ingressSeverity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** SW-13: severity of an unencrypted user overlay no service is attached to (the rule's own when absent). */
  unusedSeverity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** SW-13: report an unencrypted ingress nobody publishes through at this severity instead of passing it. */
  unusedIngressSeverity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

const SEV = { enum: ['critical', 'high', 'medium', 'low', 'info'] };

export const overlayEncryption: RuleKind<Params> = {
  kind: 'overlay-encryption',
  describe: 'fails for every user-defined overlay network without the `encrypted` option; the ingress network only when services publish ingress ports',
  paramsSchema: { type: 'object', required: ['ingressSeverity'], additionalProperties: false, properties: { ingressSeverity: SEV, unusedSeverity: SEV, unusedIngressSeverity: SEV } },
  evaluate(facts, p) {
    const t = { kind: 'cluster', id: 'networks' } as const;
    if (!('data' in facts.networks)) return [unknown(t, `/networks is unavailable: ${facts.networks.unavailable}`)];
    const overlays = facts.networks.data.filter((n) => n.Driver === 'overlay');
    if (overlays.length === 0) return [{ status: 'pass', target: t, message: 'no overlay networks' }];
    let ingressPublished: boolean | undefined;
    let used: Set<string> | undefined;
    if ('data' in facts.services) {
      // one pass over the services, no array per service
      ingressPublished = false;
      used = new Set();
      for (const s of facts.services.data) {
        for (const x of s.Spec?.EndpointSpec?.Ports ?? []) if ((x.PublishMode ?? 'ingress') === 'ingress' && x.PublishedPort) ingressPublished = true;
        for (const x of s.Spec?.TaskTemplate?.Networks ?? []) used.add(x.Target ?? '');
      }
    }
    return overlays.map((n) => {
      const target = { kind: 'network' as const, id: n.Id ?? n.ID ?? n.Name ?? '?', ...(n.Name ? { name: n.Name } : {}) };
      const encrypted = n.Options != null && 'encrypted' in n.Options;
      if (encrypted) return { status: 'pass' as const, target, message: 'overlay traffic is encrypted (IPsec)' };
      if (n.Ingress) {
        if (ingressPublished === undefined) return unknown(target, `ingress is not encrypted; whether services publish through it is unknown (/services unavailable)`);
        return ingressPublished
          ? { status: 'fail' as const, severity: p.ingressSeverity, target, message: 'ingress is not encrypted and services publish ports through the routing mesh' }
          : p.unusedIngressSeverity
            ? { status: 'fail' as const, severity: p.unusedIngressSeverity, target, message: 'ingress is not encrypted; no service publishes through it yet' }
            : { status: 'pass' as const, target, message: 'ingress is not encrypted but no service publishes through it' };
      }
      if (p.unusedSeverity && used && !used.has(n.Id ?? n.ID ?? '') && !used.has(n.Name ?? '')) {
        return { status: 'fail' as const, severity: p.unusedSeverity, target, message: 'overlay network is not encrypted (no service is attached yet); recreate it with --opt encrypted' };
      }
      return { status: 'fail' as const, target, message: `overlay network is not encrypted${used ? ' and services are attached' : ''}; recreate it with --opt encrypted` };
    });
  },
};

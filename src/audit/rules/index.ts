/** The rule-kind registry: one row per kind, one kind per file. */
import type { RuleKind } from '../types.js';
import { bridgeIcc } from './bridge-icc.js';
import { caRoot } from './ca-root.js';
import { configContent } from './config-content.js';
import { daemonSetting } from './daemon-setting.js';
import { daemonTls } from './daemon-tls.js';
import { engineVersion } from './engine-version.js';
import { field } from './field.js';
import { hostFile } from './host-file.js';
import { hostOnly } from './host-only.js';
import { insecureRegistries } from './insecure-registries.js';
import { managerCount } from './manager-count.js';
import { nodeCertExpiry } from './node-cert-expiry.js';
import { nodeCert } from './node-cert.js';
import { nodesDown } from './nodes-down.js';
import { overlayEncryption } from './overlay-encryption.js';
import { raftQuorum } from './raft-quorum.js';
import { secretsUsed } from './secrets-used.js';
import { serviceCapabilities } from './service-capabilities.js';
import { serviceEnvSecrets } from './service-env-secrets.js';
import { serviceField } from './service-field.js';
import { serviceHostNetwork } from './service-host-network.js';
import { serviceImageDigest } from './service-image-digest.js';
import { serviceMounts } from './service-mounts.js';
import { servicePorts } from './service-ports.js';
import { swarmListen } from './swarm-listen.js';
import { swarmState } from './swarm-state.js';
// SW checks decidable from a manager's Engine API plus swarmguard's state (apirules)
import { caExpiry } from './ca-expiry.js';
import { caRotation } from './ca-rotation.js';
import { engineEol } from './engine-eol.js';
import { joinTokenAge } from './join-token-age.js';
import { managerWorkloads } from './manager-workloads.js';
import { secretMounts } from './secret-mounts.js';
import { serviceImageRegistry } from './service-image-registry.js';
import { serviceManagerPlacement } from './service-manager-placement.js';
import { servicePortInterfaces } from './service-port-interfaces.js';
import { servicePrivileged } from './service-privileged.js';
import { servicePrivileges } from './service-privileges.js';
import { serviceResources } from './service-resources.js';
import { unlockKeyAge } from './unlock-key-age.js';

const KINDS = [
  field,
  hostOnly,
  insecureRegistries,
  daemonTls,
  bridgeIcc,
  managerCount,
  raftQuorum,
  nodesDown,
  overlayEncryption,
  secretsUsed,
  caRoot,
  engineVersion,
  configContent,
  serviceMounts,
  servicePorts,
  serviceHostNetwork,
  serviceImageDigest,
  serviceEnvSecrets,
  serviceCapabilities,
  serviceField,
  // host facts
  daemonSetting,
  hostFile,
  swarmListen,
  swarmState,
  nodeCertExpiry,
  caExpiry,
  caRotation,
  engineEol,
  joinTokenAge,
  managerWorkloads,
  secretMounts,
  serviceImageRegistry,
  serviceManagerPlacement,
  servicePortInterfaces,
  servicePrivileged,
  servicePrivileges,
  serviceResources,
  unlockKeyAge,
  nodeCert,
] as RuleKind<never>[];

export const RULE_KINDS: ReadonlyMap<string, RuleKind<Record<string, unknown>>> = new Map(KINDS.map((k) => [k.kind, k as unknown as RuleKind<Record<string, unknown>>]));

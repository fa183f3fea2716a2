// kube-apiserver's audit log (--audit-policy-file, --audit-log-path): the audit.k8s.io/v1
// Policy, per-request Event building, and the JSON-lines file backend. The HTTP handler calls
// Auditor.begin() once the user is authenticated and the request resolved, then reports the
// request body, the response, and completion on the returned record.

export {
  type AuditLevel,
  type AuditStage,
  type AuditPolicy,
  type AuditPolicyRule,
  type AuditGroupResources,
  type AuditUserInfo,
  type AuditMatchAttributes,
  type AuditDecision,
  AuditPolicyError,
  parseAuditPolicy,
  loadAuditPolicy,
  evaluateAuditPolicy,
  auditRuleMatches,
} from './policy.ts';
export { type AuditSink, type FileAuditSink, type FileSinkOptions, fileSink } from './sink.ts';
export { type AuditRequestAttributes, type AuditRecord, type AuditorOptions, Auditor, formatMicroTime } from './auditor.ts';

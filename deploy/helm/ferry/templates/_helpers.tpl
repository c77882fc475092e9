{{/*
Names and labels.
*/}}
{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "ferry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ferry
{{- end }}

{{- define "ferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The operator's RBAC rules, the same as deploy/operator/clusterrole.yaml and role.yaml. Used by the
ClusterRole (all namespaces) and by the Role in each of watchNamespaces. Keep the body plain YAML,
without template actions: DeployManifestsTest reads it as YAML and checks it against its table.
*/}}
{{- define "ferry.rules.operator" -}}
# The custom resources: watched, patched (finalizers, annotations), and their status written.
- apiGroups: ["ferry.dev"]
  resources: ["losslessdeployments", "rebalances"]
  verbs: ["get", "list", "watch", "patch", "update"]
# A LosslessDeployment with spec.rebalance.auto gets a Rebalance of its own after a scale-out
# (and the previous one, ended, is deleted).
- apiGroups: ["ferry.dev"]
  resources: ["rebalances"]
  verbs: ["create", "delete"]
- apiGroups: ["ferry.dev"]
  resources: ["losslessdeployments/status", "rebalances/status"]
  verbs: ["get", "patch", "update"]
# Owner references with blockOwnerDeletion on what the operator creates need this where the
# OwnerReferencesPermissionEnforcement admission plugin is on.
- apiGroups: ["ferry.dev"]
  resources: ["losslessdeployments/finalizers", "rebalances/finalizers"]
  verbs: ["update"]
# One ReplicaSet per pod-template revision: created, scaled, garbage-collected.
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Pods: observed, annotated (pod-deletion-cost); never created or deleted directly.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "update", "patch"]
# The serving gate: the operator sets the pod condition `ferry.dev/serving`.
- apiGroups: [""]
  resources: ["pods/status"]
  verbs: ["get", "update", "patch"]
# The Service of a LosslessDeployment is created or adopted; its selector is changed only by
# spec.adopt (once, recorded in an annotation first, restored on a rollback). Never deleted.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch"]
# spec.adopt: the StatefulSet or Deployment taken over is read, annotated and scaled down one pod
# at a time (back up on a rollback), and deleted at the end only with afterwards: Delete.
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "patch", "delete"]
# Endpoints as the cluster sees them, to know when a pod is out of the Service (rolling, a
# Rebalance round): one list per pass by the label kubernetes.io/service-name; no get, no watch.
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["list"]
# Only the Secrets a spec names (the EMQX API key, the database of the migrations' session
# check), read by name: no list, no watch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# Kubernetes events at each step of a release (core v1 and events.k8s.io). A repeated event is
# one Event with a count: get reads the one a restarted operator finds already there.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
# The expand/contract schema migrations (spec.migrations) run as Jobs the operator creates and
# follows; it never deletes one (they go with their LosslessDeployment, by ownerReference).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create"]
{{- end }}

{{/*
Leader election, in the release's namespace only (deploy/operator/leader-election-role.yaml). Plain
YAML, checked by DeployManifestsTest like the rules above.
*/}}
{{- define "ferry.rules.leaderElection" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}

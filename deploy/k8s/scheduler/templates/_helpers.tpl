{{/*
Names and labels. Helpers that concern one service take a dict:
  root     the top-level context ($)
  service  the service's name as in services/<name> (gateway, google-ingest, ...)
  settings its values block (.Values.gateway, .Values.googleIngest, ...)
*/}}

{{- define "scheduler.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "scheduler.fullname" -}}
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

{{- define "scheduler.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A service's objects (Deployment, Service, ConfigMap, Secret, ServiceAccount...) are named <fullname>-<service>. */}}
{{- define "scheduler.componentName" -}}
{{- printf "%s-%s" (include "scheduler.fullname" .root) .service | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "scheduler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scheduler.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .service }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "scheduler.labels" -}}
helm.sh/chart: {{ include "scheduler.chart" .root }}
{{ include "scheduler.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: scheduler
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is set. */}}
{{- define "scheduler.image" -}}
{{- $repository := required "image.repository is required: the image built from this repository (deploy/k8s/README.md)" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* PUBLIC_BASE_URL of the gateway: set explicitly, or https://<ingress.host>. No trailing slash. */}}
{{- define "scheduler.publicBaseUrl" -}}
{{- if .Values.gateway.publicBaseUrl }}
{{- .Values.gateway.publicBaseUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.host }}
{{- printf "https://%s" .Values.ingress.host }}
{{- else }}
{{- fail "gateway.publicBaseUrl is required (or enable the Ingress with ingress.host): OAuth redirects are built from it" }}
{{- end }}
{{- end }}

{{/* PUBLIC_WEBHOOK_BASE_URL of google-ingest: set explicitly, or the gateway's public base URL (same Ingress host). */}}
{{- define "scheduler.publicWebhookBaseUrl" -}}
{{- if .Values.googleIngest.publicWebhookBaseUrl }}
{{- .Values.googleIngest.publicWebhookBaseUrl | trimSuffix "/" }}
{{- else }}
{{- include "scheduler.publicBaseUrl" . }}
{{- end }}
{{- end }}

{{/* PUBLIC_WEBHOOK_BASE_URL of webex-bridge: set explicitly, or the gateway's public base URL (same Ingress host). */}}
{{- define "scheduler.webexWebhookBaseUrl" -}}
{{- if .Values.webexBridge.publicWebhookBaseUrl }}
{{- .Values.webexBridge.publicWebhookBaseUrl | trimSuffix "/" }}
{{- else }}
{{- include "scheduler.publicBaseUrl" . }}
{{- end }}
{{- end }}

{{/* The Secret a service reads: the one the organisation names, or the one this chart renders. */}}
{{- define "scheduler.secretName" -}}
{{- default (include "scheduler.componentName" .) .settings.secret.existingSecret }}
{{- end }}

{{- define "scheduler.platformSecretName" -}}
{{- default (include "scheduler.componentName" (dict "root" . "service" "platform")) .Values.platform.secret.existingSecret }}
{{- end }}

{{/* Settings every service's ConfigMap carries (serviceEnvironment). */}}
{{- define "scheduler.platformConfig" -}}
HTTP_PORT: {{ .Values.platform.httpPort | int | quote }}
HTTP_HOST: {{ .Values.platform.httpHost | quote }}
LOG_LEVEL: {{ .Values.platform.logLevel | quote }}
SHUTDOWN_TIMEOUT_MS: {{ .Values.platform.shutdownTimeoutMs | int64 | quote }}
BUS_PREFIX: {{ .Values.platform.busPrefix | quote }}
{{- end }}

{{/* The connections and keys every service reads from the platform Secret (platformEnvironment), KEY_STORE_URL aside. */}}
{{- define "scheduler.platformEnv" -}}
{{- $secret := include "scheduler.platformSecretName" . -}}
- name: NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: NATS_URL
- name: EVENT_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: EVENT_STORE_URL
- name: KEY_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: KEY_ENCRYPTION_KEY
# Only present while a key rotation is in progress.
- name: KEY_ENCRYPTION_KEYS_PREVIOUS
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: KEY_ENCRYPTION_KEYS_PREVIOUS
      optional: true
{{- end }}

{{/*
KEY_STORE_URL of the services that may create and read data keys but never destroy them (the
key store's writer role, from the platform Secret). Retention, which destroys them, reads its own
(the keeper role) from its Secret.
*/}}
{{- define "scheduler.keyStoreWriterEnv" -}}
- name: KEY_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "scheduler.platformSecretName" . }}
      key: KEY_STORE_URL
{{- end }}

{{/*
Pod annotations that roll the pods when their configuration changes: the service's ConfigMap,
and the Secrets this chart renders (a Secret named by existingSecret is not seen by Helm;
restart the Deployment after changing it).
*/}}
{{- define "scheduler.checksumAnnotations" -}}
{{- $base := .root.Template.BasePath -}}
checksum/config: {{ include (print $base "/" .service "/configmap.yaml") .root | sha256sum }}
checksum/secret: {{ print (include (print $base "/" .service "/secret.yaml") .root) (include (print $base "/platform-secret.yaml") .root) | sha256sum }}
{{- end }}

{{/* The seconds Kubernetes waits after the preStop pause began: the pause, the drain, a margin. */}}
{{- define "scheduler.terminationGracePeriodSeconds" -}}
{{- $drainSeconds := div (add .Values.platform.shutdownTimeoutMs 999) 1000 -}}
{{- add .Values.platform.preStopSleepSeconds $drainSeconds .Values.platform.terminationGraceMarginSeconds | int64 }}
{{- end }}

{{/* The service container's lifecycle, probes, port and security context (identical for every service). */}}
{{- define "scheduler.containerRuntime" -}}
ports:
  - name: http
    containerPort: {{ .root.Values.platform.httpPort | int }}
    protocol: TCP
startupProbe:
  httpGet:
    path: /health/live
    port: http
  periodSeconds: {{ .root.Values.probes.startup.periodSeconds | int }}
  timeoutSeconds: {{ .root.Values.probes.startup.timeoutSeconds | int }}
  failureThreshold: {{ .root.Values.probes.startup.failureThreshold | int }}
livenessProbe:
  httpGet:
    path: /health/live
    port: http
  periodSeconds: {{ .root.Values.probes.liveness.periodSeconds | int }}
  timeoutSeconds: {{ .root.Values.probes.liveness.timeoutSeconds | int }}
  failureThreshold: {{ .root.Values.probes.liveness.failureThreshold | int }}
readinessProbe:
  httpGet:
    path: /health/ready
    port: http
  periodSeconds: {{ .root.Values.probes.readiness.periodSeconds | int }}
  timeoutSeconds: {{ .root.Values.probes.readiness.timeoutSeconds | int }}
  failureThreshold: {{ .root.Values.probes.readiness.failureThreshold | int }}
{{- if and (gt (int .root.Values.platform.preStopSleepSeconds) 0) (semverCompare ">=1.30.0-0" .root.Capabilities.KubeVersion.Version) }}
lifecycle:
  preStop:
    sleep:
      seconds: {{ .root.Values.platform.preStopSleepSeconds | int }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml .settings.resources | nindent 2 }}
volumeMounts:
  # The root filesystem is read-only; Node and libraries may still want a temporary directory.
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* Pod-level settings shared by every service: identity, security, placement, volumes. */}}
{{- define "scheduler.podRuntime" -}}
serviceAccountName: {{ include "scheduler.componentName" . }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ include "scheduler.terminationGracePeriodSeconds" .root }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .settings.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .settings.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .settings.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .settings.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .settings.topologySpreadConstraints | nindent 2 }}
{{- else if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ .root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "scheduler.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: {{ .root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "scheduler.selectorLabels" . | nindent 8 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end }}

{{/*
Deployment metadata and strategy shared by every service, up to the pod template's spec.
Extra dict entry: autoscaled (true when a HorizontalPodAutoscaler owns the replica count).
*/}}
{{- define "scheduler.deploymentHead" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "scheduler.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scheduler.labels" . | nindent 4 }}
spec:
  {{- /* An autoscaled Deployment leaves its replica count to the HorizontalPodAutoscaler. */}}
  {{- if not .autoscaled }}
  replicas: {{ .settings.replicas | int }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "scheduler.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "scheduler.labels" . | nindent 8 }}
      annotations:
        {{- include "scheduler.checksumAnnotations" . | nindent 8 }}
        {{- with .settings.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}

{{/*
The services and their values blocks, as YAML: templates that treat every service alike range over
  {{- range $service, $valuesKey := include "scheduler.services" . | fromYaml }}
*/}}
{{- define "scheduler.services" -}}
gateway: gateway
google-ingest: googleIngest
webex-bridge: webexBridge
retention: retention
{{- end }}

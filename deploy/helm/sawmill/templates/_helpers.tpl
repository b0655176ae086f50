{{/* The release's name: the service Grafana and the agent talk to ("loki" for helm install loki …). */}}
{{- define "sawmill.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sawmill.labels" -}}
app.kubernetes.io/name: sawmill
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "ctx" $ "component" "write"). */}}
{{- define "sawmill.selectorLabels" -}}
app.kubernetes.io/name: sawmill
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sawmill.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "sawmill.agentImage" -}}
{{ printf "%s:%s" .Values.promtail.image.repository (default .Chart.AppVersion .Values.promtail.image.tag) }}
{{- end -}}

{{/* The server's HTTP port: loki.config.server.http_listen_port when given, else 3100. */}}
{{- define "sawmill.httpPort" -}}
{{- $server := default (dict) .Values.loki.config.server -}}
{{- default 3100 $server.http_listen_port -}}
{{- end -}}

{{/* Where agents push: the release's service (SingleBinary, or the gateway in SimpleScalable). */}}
{{- define "sawmill.pushUrl" -}}
{{- printf "http://%s:%v/loki/api/v1/push" (include "sawmill.fullname" .) .Values.service.port -}}
{{- end -}}

{{/* The server's config file: loki.config with the keys the chart owns. */}}
{{- define "sawmill.serverConfig" -}}
{{- $c := deepCopy (default (dict) .Values.loki.config) -}}
{{- $server := default (dict) $c.server -}}
{{- $_ := set $server "http_listen_address" "0.0.0.0" -}}
{{- $_ := set $server "http_listen_port" (int (include "sawmill.httpPort" .)) -}}
{{- $_ := set $c "server" $server -}}
{{- $common := default (dict) $c.common -}}
{{- $_ := set $common "path_prefix" "/var/lib/sawmill" -}}
{{- if eq .Values.deploymentMode "SimpleScalable" -}}
{{- $_ := set $common "instance_addr" "${POD_IP}" -}}
{{- $ring := default (dict) $common.ring -}}
{{- $_ := set $ring "instance_id" "${POD_NAME}" -}}
{{- $_ := set $common "ring" $ring -}}
{{- end -}}
{{- $_ := set $c "common" $common -}}
{{- toYaml $c -}}
{{- end -}}

{{/*
The agent's Promtail config: promtail.config with defaults for what it does not give, and (as the Promtail chart
does) the __path__ rule and a cri stage for Kubernetes jobs that have none.
*/}}
{{- define "sawmill.agentConfig" -}}
{{- $c := deepCopy (default (dict) .Values.promtail.config) -}}
{{- if not (hasKey $c "server") -}}
{{- $_ := set $c "server" (dict "http_listen_port" 9080) -}}
{{- end -}}
{{- if not (hasKey $c "positions") -}}
{{- $_ := set $c "positions" (dict "filename" "/var/lib/sawmill-agent/positions.yaml") -}}
{{- end -}}
{{- if not (hasKey $c "clients") -}}
{{- $_ := set $c "clients" (list (dict "url" (include "sawmill.pushUrl" .))) -}}
{{- end -}}
{{- if not (hasKey $c "scrape_configs") -}}
{{- $rules := list
      (dict "source_labels" (list "__meta_kubernetes_namespace") "target_label" "namespace")
      (dict "source_labels" (list "__meta_kubernetes_pod_name") "target_label" "pod")
      (dict "source_labels" (list "__meta_kubernetes_pod_container_name") "target_label" "container")
      (dict "source_labels" (list "__meta_kubernetes_pod_label_app") "target_label" "app")
      (dict "source_labels" (list "__meta_kubernetes_pod_node_name") "target_label" "node_name") -}}
{{- $_ := set $c "scrape_configs" (list (dict "job_name" "kubernetes-pods" "kubernetes_sd_configs" (list (dict "role" "pod")) "relabel_configs" $rules)) -}}
{{- end -}}
{{- $jobs := list -}}
{{- range $c.scrape_configs -}}
{{- $job := . -}}
{{- if hasKey $job "kubernetes_sd_configs" -}}
{{- $hasPath := false -}}
{{- range (default (list) $job.relabel_configs) -}}
{{- if eq (toString .target_label) "__path__" -}}
{{- $hasPath = true -}}
{{- end -}}
{{- end -}}
{{- if not $hasPath -}}
{{- $pathRule := dict "source_labels" (list "__meta_kubernetes_pod_uid" "__meta_kubernetes_pod_container_name") "separator" "/" "action" "replace" "replacement" "/var/log/pods/*$1/*.log" "target_label" "__path__" -}}
{{- $_ := set $job "relabel_configs" (append (default (list) $job.relabel_configs) $pathRule) -}}
{{- end -}}
{{- if not (hasKey $job "pipeline_stages") -}}
{{- $_ := set $job "pipeline_stages" (list (dict "cri" (dict))) -}}
{{- end -}}
{{- end -}}
{{- $jobs = append $jobs $job -}}
{{- end -}}
{{- $_ := set $c "scrape_configs" $jobs -}}
{{- toYaml $c -}}
{{- end -}}

{{/* Probes and the container security context shared by every server container. */}}
{{- define "sawmill.serverProbes" -}}
startupProbe:
  httpGet: {path: /ready, port: http}
  periodSeconds: 10
  failureThreshold: 60
readinessProbe:
  httpGet: {path: /ready, port: http}
  periodSeconds: 10
livenessProbe:
  httpGet: {path: /metrics, port: http}
  periodSeconds: 30
  failureThreshold: 5
{{- end -}}

{{- define "sawmill.containerSecurityContext" -}}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "sawmill.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1654
runAsGroup: 1654
fsGroup: 1654
{{- end -}}

{{/*
One server workload (StatefulSet with a data volume, or Deployment for stateless read pods). Call with
(dict "ctx" $ "component" "write" "target" "write" "kind" "StatefulSet" "replicas" 3 "persistence" $p "name" "loki-write").
*/}}
{{- define "sawmill.server" -}}
{{- $ctx := .ctx -}}
apiVersion: apps/v1
kind: {{ .kind }}
metadata:
  name: {{ .name }}
  labels:
    {{- include "sawmill.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ .replicas }}
  {{- if eq .kind "StatefulSet" }}
  serviceName: {{ .name }}-headless
  podManagementPolicy: Parallel
  {{- end }}
  selector:
    matchLabels:
      {{- include "sawmill.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sawmill.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
      annotations:
        checksum/config: {{ include "sawmill.serverConfig" $ctx | sha256sum }}
        {{- with $ctx.Values.loki.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      securityContext:
        {{- include "sawmill.podSecurityContext" $ctx | nindent 8 }}
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: 60
      containers:
        - name: sawmill
          image: {{ include "sawmill.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          args:
            - -config.file=/etc/sawmill/config.yaml
            - -config.expand-env
            - -target={{ .target }}
            {{- range $ctx.Values.loki.extraArgs }}
            - {{ . }}
            {{- end }}
          {{- if ne .target "all" }}
          env:
            - name: POD_IP
              valueFrom:
                fieldRef: {fieldPath: status.podIP}
            - name: POD_NAME
              valueFrom:
                fieldRef: {fieldPath: metadata.name}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ include "sawmill.httpPort" $ctx }}
              protocol: TCP
          {{- include "sawmill.serverProbes" $ctx | nindent 10 }}
          securityContext:
            {{- include "sawmill.containerSecurityContext" $ctx | nindent 12 }}
          {{- with $ctx.Values.loki.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: config
              mountPath: /etc/sawmill
              readOnly: true
            - name: data
              mountPath: /var/lib/sawmill
            - name: tmp
              mountPath: /tmp
      {{- with $ctx.Values.loki.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $ctx.Values.loki.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $ctx.Values.loki.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ include "sawmill.fullname" $ctx }}-config
        - name: tmp
          emptyDir: {}
        {{- if not .persistence }}
        - name: data
          emptyDir: {}
        {{- end }}
  {{- if .persistence }}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes:
          {{- toYaml (default (list "ReadWriteOnce") .persistence.accessModes) | nindent 10 }}
        {{- with .persistence.storageClassName }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ .persistence.size }}
  {{- end }}
{{- end -}}

{{/* A ClusterIP service (and, with headless, its headless twin) for one component. */}}
{{- define "sawmill.service" -}}
{{- $ctx := .ctx -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "sawmill.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ default "ClusterIP" .type }}
  {{- if .headless }}
  clusterIP: None
  {{- end }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: {{ default "http" .targetPort }}
      protocol: TCP
  selector:
    {{- include "sawmill.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 4 }}
{{- end -}}

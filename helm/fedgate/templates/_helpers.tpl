{{/* The chart's name, shortened to the 63 characters Kubernetes names allow. */}}
{{- define "fedgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, else release-chart (once, if the release already says fedgate). */}}
{{- define "fedgate.fullname" -}}
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

{{- define "fedgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fedgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fedgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fedgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "fedgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fedgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fedgate.configMapName" -}}
{{- default (include "fedgate.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{/* The config file: the values' config with the listening address the container needs by default. */}}
{{- define "fedgate.configFile" -}}
{{- $defaults := dict "server" (dict "host" "0.0.0.0" "port" 8080) }}
{{- toYaml (mergeOverwrite $defaults (deepCopy .Values.config)) }}
{{- end }}

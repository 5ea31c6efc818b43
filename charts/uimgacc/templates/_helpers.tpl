{{- define "uimgacc.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "uimgacc.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "uimgacc.labels" -}}
{{ include "uimgacc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "uimgacc.credentialsSecret" -}}
{{- .Values.credentials.existingSecret | default (printf "%s-credentials" (include "uimgacc.fullname" .)) -}}
{{- end -}}

{{- define "uimgacc.tlsSecret" -}}
{{- printf "%s-tls" (include "uimgacc.fullname" .) -}}
{{- end -}}

{{- define "uimgacc.serviceHost" -}}
{{- printf "%s.%s.svc" (include "uimgacc.fullname" .) .Release.Namespace -}}
{{- end -}}

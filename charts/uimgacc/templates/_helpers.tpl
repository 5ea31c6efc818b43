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

{{- /* Whole seconds of a Go duration such as 5s, 1m or 1m30s (for terminationGracePeriodSeconds). */ -}}
{{- define "uimgacc.seconds" -}}
{{- $total := 0.0 -}}
{{- range regexFindAll "[0-9.]+(ms|s|m|h)" (toString .) -1 -}}
{{- $n := float64 (regexFind "^[0-9.]+" .) -}}
{{- $unit := regexFind "(ms|s|m|h)$" . -}}
{{- if eq $unit "ms" }}{{ $n = divf $n 1000 }}{{ else if eq $unit "m" }}{{ $n = mulf $n 60 }}{{ else if eq $unit "h" }}{{ $n = mulf $n 3600 }}{{ end -}}
{{- $total = addf $total $n -}}
{{- end -}}
{{- ceil $total | int -}}
{{- end -}}

// Package scaler is VoiceVault's tenant TTS pod autoscaler: one Lambda
// function per tenant, invoked every minute by an EventBridge schedule,
// scales the tenant's TTS Deployment (Deployment and Service "tts" in
// namespace "tenant-<name>") on the pods' GPU inference load instead of CPU.
// It does the Kubernetes HPA's job without a custom-metrics adapter (none is
// an EKS add-on): it reads the pods' own inference metrics and patches the
// Deployment's scale subresource through the cluster's private API endpoint.
//
// The function makes no AWS API call. Its credentials only presign the EKS
// bearer token, locally; its execution role needs no AWS data permission
// (only CloudWatch Logs and the VPC network interfaces of any in-VPC Lambda).
//
// # Environment
//
//	CLUSTER_NAME      required  EKS cluster name, signed into the token
//	CLUSTER_ENDPOINT  required  https URL of the API server (the private endpoint),
//	                            no path
//	CLUSTER_CA        required  base64 of the PEM cluster CA, exactly as EKS
//	                            DescribeCluster certificateAuthority.data; the only
//	                            CA the API client trusts
//	NAMESPACE         required  DNS-1123 label, e.g. tenant-acme
//	DEPLOYMENT        required  DNS-1123 label, e.g. tts
//	SERVICE           required  DNS-1123 label, e.g. tts: its EndpointSlices list the pods
//	METRICS_PORT      required  1..65535: the pods' /metrics port
//	MIN_REPLICAS      required  1..1000
//	MAX_REPLICAS      required  MIN_REPLICAS..1000
//	TARGET_IN_FLIGHT  required  (0, 1000]: inference concurrency one pod should carry
//	SAMPLE_SECONDS    optional  1..30 seconds between the two scrapes; default 10
//	AWS_REGION        required  set by Lambda: the STS Region of the token
//
// An invalid configuration does not stop the function: every invocation
// logs the configuration error and returns it, so the Lambda Errors metric
// (and its alarm) fires.
//
// # One run
//
//  1. Token: an STS GetCallerIdentity request presigned for the regional
//     endpoint (https://sts.<region>.amazonaws.com), X-Amz-Expires=60, with
//     the header "x-k8s-aws-id: <CLUSTER_NAME>" signed in; the token is
//     "k8s-aws-v1." + base64url (no padding) of the URL, the format of
//     aws-iam-authenticator and "aws eks get-token". EKS accepts it for 15
//     minutes; every run makes a new one.
//  2. GET /apis/apps/v1/namespaces/{NAMESPACE}/deployments/{DEPLOYMENT}/scale:
//     the current replica count is spec.replicas.
//  3. GET /apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices
//     ?labelSelector=kubernetes.io/service-name={SERVICE}: a pod is ready when
//     its endpoint's ready and serving conditions are true or unset (unset
//     means true) and it is not terminating. Each ready pod counts once (by
//     its targetRef, so dual-stack slices do not count it twice) and is
//     scraped at its first address.
//  4. Scrape every ready pod twice, concurrently, SAMPLE_SECONDS apart:
//     GET http://<address>:<METRICS_PORT>/metrics, plain HTTP, 2 s timeout.
//     A pod's load is the rate of its busy seconds between the scrapes; when
//     the histogram sum is missing or went down (the container restarted),
//     the second scrape's in-flight gauge; otherwise the pod has no metrics.
//     A pod that cannot be scraped only counts as a pod without metrics.
//  5. Decide (see [Decide]): a replica count and one of the reasons
//     below-min, above-max, no-metrics, within-tolerance, waiting-for-pods,
//     scale-up, scale-down.
//  6. PATCH the scale subresource (Content-Type application/merge-patch+json,
//     body {"spec":{"replicas":N}}) only when the count changes.
//
// Each run logs exactly one JSON line: namespace, deployment, current,
// ready, with_metrics, load (sum over the pods with metrics), target,
// desired, reason and patched, plus scrape_error (the first pod's) when a
// pod could not be scraped and error (at level ERROR) when the run failed.
// Any Kubernetes API failure fails the invocation with an error naming the
// step, the status code and at most 512 bytes of the answer.
//
// # API client
//
// Plain net/http, no client-go: TLS 1.2 or later trusting only CLUSTER_CA,
// no proxy, no redirects, a 5 s timeout per request, "Authorization: Bearer
// <token>", "Accept: application/json", answers read up to 4 MiB.
//
// # Metrics contract of the model image
//
// GET /metrics on METRICS_PORT, Prometheus text format, exposes
//
//	voicevault_inference_duration_seconds  histogram, label route (the scaler
//	                                       sums every _sum series: busy seconds)
//	voicevault_inference_requests_total    counter (not used by the scaler)
//	voicevault_inference_in_flight         gauge (summed; the fallback)
//
// The parser ([ParseMetrics]) skips comments and blank lines, accepts quoted
// label values with spaces, commas and escapes and an optional timestamp, and
// fails the scrape on a malformed line, a body over 1 MiB, or a NaN, infinite
// or negative value of the two series it reads.
//
// # Kubernetes RBAC
//
// The function's role is mapped to a Kubernetes user or group with an EKS
// access entry (no access policy) and bound, in the tenant namespace only, to:
//
//	apiVersion: rbac.authorization.k8s.io/v1
//	kind: Role
//	metadata: {name: pod-scaler, namespace: tenant-<name>}
//	rules:
//	- apiGroups: [apps]
//	  resources: [deployments/scale]
//	  resourceNames: [tts]
//	  verbs: [get, patch]
//	- apiGroups: [discovery.k8s.io]
//	  resources: [endpointslices]
//	  verbs: [list]
//
// Nothing else: no pods, no secrets, no cluster-wide access.
//
// # Deployment
//
// The function runs in the cluster VPC, in the environment's pod scaler
// security group (constructs/podpaths), whose egress is the cluster security
// group on 443 (API server) and on the model ports; the pods' network policy
// admits the VPC on METRICS_PORT. constructs/podscaler and
// constructs/tenantworkload deploy it this way. Its
// timeout must cover SAMPLE_SECONDS, two scrape rounds (2 s each) and three
// API calls (5 s each): SAMPLE_SECONDS + 25 s is enough. Reserved concurrency
// 1 keeps a slow run from overlapping the next. Build: GOOS=linux
// GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc, runtime
// provided.al2023.
package scaler

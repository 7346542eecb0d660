package config

// Defaults, in one place. Every optional field of the file takes its value from here.
const (
	DefaultVPCCIDR            = "10.40.0.0/16"
	DefaultKubernetesVersion  = "1.34"
	DefaultEgress             = EgressNone
	DefaultLogRetentionDays   = 365
	DefaultDataSensitivity    = "biometric"
	DefaultIsolation          = IsolationPooled
	DefaultAudioRetentionDays = 90
	DefaultReplicas           = 2
	DefaultTargetInFlight     = 2.0 // inference requests per TTS pod the pod scaler aims for
	DefaultModelPort          = 8080
	DefaultGPUsPerReplica     = 1
	DefaultModelCPU           = "3"    // a g6.xlarge (the default GPU type) allocates about 3.5 CPUs to pods
	DefaultModelMemory        = "12Gi" // and about 13 GiB: see NodeAllocatable
	DefaultHealthPath         = "/healthz"
	DefaultReadyPath          = "/readyz"
	DefaultTenantClaim        = "tenant"
	DefaultAuthorizerCacheTTL = 300
	DefaultAPIKeyOverlapHours = 168 // a week for a partner to switch keys
	DefaultAPIKeyMaxAgeDays   = 90
	DefaultWAFRateLimit       = 1000 // requests per 5 minutes per client IP
	DefaultAPIRateLimit       = 50   // requests per second, steady state
	DefaultAPIBurstLimit      = 100
	DefaultQualifier          = "vvault" // cdk bootstrap qualifier: bootstrap roles are cdk-vvault-*
	DefaultGitHubBranch       = "main"
)

// DefaultGPUNodes sizes the GPU node group when the file does not: one NVIDIA L4 per node.
var DefaultGPUNodes = NodeGroup{InstanceTypes: []string{"g6.xlarge"}, MinSize: ptr(1), DesiredSize: ptr(2), MaxSize: ptr(4), DiskSizeGiB: 100}

// DefaultSystemNodes sizes the non-GPU node group for add-ons and controllers.
var DefaultSystemNodes = NodeGroup{InstanceTypes: []string{"m6i.large"}, MinSize: ptr(2), DesiredSize: ptr(2), MaxSize: ptr(4), DiskSizeGiB: 50}

func ptr[T any](v T) *T { return &v }

func (c *Config) applyDefaults() {
	for i := range c.Environments {
		c.Environments[i].applyDefaults()
	}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		t.applyDefaults()
		if t.DedicatedGPUNodes != nil {
			d := DefaultGPUNodes
			if e, ok := c.Environment(t.Environment); ok {
				d = e.GPUNodes
			}
			t.DedicatedGPUNodes.fill(d)
		}
	}
}

func (e *Environment) applyDefaults() {
	if e.AZCount == 0 {
		// No zone names are made up here: a name like eu-west-1c maps to a different physical
		// zone in each account, may not exist for an account at all, and may lack the GPU types.
		e.AZCount = len(e.AZs)
	}
	if e.VPCCIDR == "" {
		e.VPCCIDR = DefaultVPCCIDR
	}
	if e.KubernetesVersion == "" {
		e.KubernetesVersion = DefaultKubernetesVersion
	}
	if e.Egress == "" {
		e.Egress = DefaultEgress
	}
	e.GPUNodes.fill(DefaultGPUNodes)
	e.SystemNodes.fill(DefaultSystemNodes)
	if e.LogRetentionDays == 0 {
		e.LogRetentionDays = DefaultLogRetentionDays
	}
	e.Monitoring.applyDefaults(e.Region)
	if e.Deployment.Qualifier == "" {
		e.Deployment.Qualifier = DefaultQualifier
	}
	if gh := e.Deployment.GitHub; gh != nil {
		if gh.Environment == "" {
			gh.Environment = e.Name
		}
		if gh.Branch == "" {
			gh.Branch = DefaultGitHubBranch
		}
	}
}

func (n *NodeGroup) fill(d NodeGroup) {
	if len(n.InstanceTypes) == 0 {
		n.InstanceTypes = append([]string(nil), d.InstanceTypes...)
	}
	if n.MinSize == nil {
		n.MinSize = ptr(*d.MinSize)
	}
	if n.MaxSize == nil {
		n.MaxSize = ptr(max(*d.MaxSize, *n.MinSize))
	}
	if n.DesiredSize == nil {
		n.DesiredSize = ptr(min(max(*d.DesiredSize, *n.MinSize), *n.MaxSize))
	}
	if n.DiskSizeGiB == 0 {
		n.DiskSizeGiB = d.DiskSizeGiB
	}
}

func (t *Tenant) applyDefaults() {
	if t.DataSensitivity == "" {
		t.DataSensitivity = DefaultDataSensitivity
	}
	if t.Isolation == "" {
		t.Isolation = DefaultIsolation
	}
	if t.AudioRetentionDays == 0 {
		t.AudioRetentionDays = DefaultAudioRetentionDays
	}
	m := &t.Model
	if m.Replicas == 0 {
		m.Replicas = DefaultReplicas
	}
	if a := m.Autoscaling; a != nil && a.TargetInFlight == 0 {
		a.TargetInFlight = DefaultTargetInFlight
	}
	if m.Port == 0 {
		m.Port = DefaultModelPort
	}
	if m.GPUs == 0 {
		m.GPUs = DefaultGPUsPerReplica
	}
	if m.CPU == "" {
		m.CPU = DefaultModelCPU
	}
	if m.Memory == "" {
		m.Memory = DefaultModelMemory
	}
	if m.HealthPath == "" {
		m.HealthPath = DefaultHealthPath
	}
	if m.ReadyPath == "" {
		m.ReadyPath = DefaultReadyPath
	}
	if t.Authorizer.TenantClaim == "" {
		t.Authorizer.TenantClaim = DefaultTenantClaim
	}
	if t.Authorizer.CacheTTLSeconds == nil {
		// With API keys a request carries Authorization or x-api-key, never both, and API Gateway
		// answers 401 without calling the authorizer when a cached identity source is missing:
		// such an API can't cache decisions (see validate).
		if t.Authorizer.APIKeys {
			t.Authorizer.CacheTTLSeconds = ptr(0)
		} else {
			t.Authorizer.CacheTTLSeconds = ptr(DefaultAuthorizerCacheTTL)
		}
	}
	if t.Authorizer.APIKeys && t.Authorizer.APIKeyOverlapHours == 0 {
		t.Authorizer.APIKeyOverlapHours = DefaultAPIKeyOverlapHours
	}
	if t.Authorizer.APIKeys && t.Authorizer.APIKeyMaxAgeDays == 0 {
		t.Authorizer.APIKeyMaxAgeDays = DefaultAPIKeyMaxAgeDays
	}
	if t.WAF.RateLimit == 0 {
		t.WAF.RateLimit = DefaultWAFRateLimit
	}
	if t.API.RateLimit == 0 {
		t.API.RateLimit = DefaultAPIRateLimit
	}
	if t.API.BurstLimit == 0 {
		t.API.BurstLimit = max(DefaultAPIBurstLimit, t.API.RateLimit)
	}
	u := &t.API.Usage
	if u.RateLimit == 0 {
		u.RateLimit = t.API.RateLimit
	}
	if u.BurstLimit == 0 {
		u.BurstLimit = t.API.BurstLimit
	}
	for i := range t.Authorizer.Partners {
		pt := &t.Authorizer.Partners[i]
		if pt.RateLimit == 0 {
			pt.RateLimit = t.API.RateLimit
		}
		if pt.BurstLimit == 0 {
			pt.BurstLimit = t.API.BurstLimit
		}
	}
	if t.API.ListenerPriority == 0 && t.Name != "" {
		t.API.ListenerPriority = DerivedListenerPriority(t.Name)
	}
}

package tenantworkload

// TestProps exposes the internal tests' props to the external test package.
var TestProps = testProps

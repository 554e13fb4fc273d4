"""The network layer: URLs, hosts, the private-address guard, guarded fetching, third parties."""

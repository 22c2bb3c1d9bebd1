package auth

// LimitKeyIP returns the unit an address is limited by, as LoginLimiter
// counts it: the address for IPv4 (IPv4-mapped IPv6 included), its /64 for
// IPv6. Other limiters (a shared one across replicas) use it so every
// implementation counts the same unit.
func LimitKeyIP(ip string) string { return llIPKey(ip) }

// LimitKeyUsername returns a username as LoginLimiter counts it (trimmed,
// lower-cased); false means it is empty and limited by IP only.
func LimitKeyUsername(username string) (string, bool) { return llNormalise(username) }

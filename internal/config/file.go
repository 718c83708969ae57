package config

// fileConfig is the configuration as TOML holds it: durations, schedules,
// addresses and names are still text here. Load decodes the embedded
// defaults and then the operator's file into one fileConfig (a key the
// file sets replaces the default), and build turns it into a Config.
// Field tags are the contract with operators' files.
type fileConfig struct {
	Orchestrator struct {
		DNS fileDNS `toml:"dns"`
	} `toml:"orchestrator"`
	Records fileRecords `toml:"records"`
	Backend fileBackend `toml:"backend"`
	Verify  fileVerify  `toml:"verify"`
	Safety  fileSafety  `toml:"safety"`
	API     fileAPI     `toml:"api"`
	Audit   fileAudit   `toml:"audit"`
	Log     fileLog     `toml:"log"`
	Debug   fileDebug   `toml:"debug"`
	Catalog fileCatalog `toml:"catalog"`
	DNSSEC  fileDNSSEC  `toml:"dnssec"`
	Zones   []ZoneSpec  `toml:"zones"`
	// Secondaries and Resolvers: secondaries.go.
	Secondaries []fileSecondary `toml:"secondaries"`
	Resolvers   []fileResolver  `toml:"resolvers"`
}

// fileDNS is [orchestrator.dns], named as in the orchestrator's own config.
type fileDNS struct {
	CorednsURL   string `toml:"coredns_url"`
	AutoRegister bool   `toml:"auto_register"`
	TTL          uint32 `toml:"ttl"`
}

type fileRecords struct {
	Dir      string `toml:"dir"`
	ZonesDir string `toml:"zones_dir"`
	Debounce string `toml:"debounce"`
}

// fileCatalog is [catalog]: the RFC 9432 catalog zone dnssync maintains.
type fileCatalog struct {
	Zone string `toml:"zone"`
}

type fileBackend struct {
	Type             string `toml:"type"`
	ZoneDir          string `toml:"zone_dir"`
	Server           string `toml:"server"`
	TSIGKey          string `toml:"tsig_key"`
	TSIGAlgorithm    string `toml:"tsig_algorithm"`
	TSIGSecretFile   string `toml:"tsig_secret_file"`
	StateDir         string `toml:"state_dir"`
	MaxUpdateRecords int    `toml:"max_update_records"`
}

type fileVerify struct {
	Schedule    string   `toml:"schedule"`
	Timeout     string   `toml:"timeout"`
	Nameservers []string `toml:"nameservers"`
}

type fileSafety struct {
	MaxDeletePercent float64 `toml:"max_delete_percent"`
	MaxUpdatePercent float64 `toml:"max_update_percent"`
	MinRecords       int     `toml:"min_records"`
}

type fileAPI struct {
	Listen      string  `toml:"listen"`
	TokenFile   string  `toml:"token_file"`
	Rate        float64 `toml:"rate"`
	Burst       int     `toml:"burst"`
	WaitTimeout string  `toml:"wait_timeout"`
}

type fileAudit struct {
	File string `toml:"file"`
}

type fileLog struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

type fileDebug struct {
	Pprof string `toml:"pprof"`
}

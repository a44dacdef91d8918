module github.com/nexuskit/nexus/examples

go 1.25.0

replace github.com/nexuskit/nexus => ../

require (
	github.com/CAFxX/httpcompression v0.0.8
	github.com/NYTimes/gziphandler v1.1.1
	github.com/andybalholm/brotli v1.3.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/klauspost/compress v1.20.4
	github.com/nexuskit/nexus v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

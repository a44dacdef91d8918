// Package server is the HTTP side of the NEXUS reference server: the API
// routes, the WebSocket event stream and the embedded dashboard, wrapped in
// the nexuskit middleware stack.
//
// It is a package (rather than part of package main) so that the benchmarks
// in examples/benchmarks can measure exactly the handler the server runs.
//
//	srv := server.New(server.Options{Store: st, Signer: wsauth.NewSigner(key)})
//	http.ListenAndServe(":5000", srv.Handler())
package server

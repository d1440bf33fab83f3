# mk/cluster.mk -- `make cluster`: HOSTS app hosts (default 3) on one throwaway
# PostgreSQL, behind one nginx on 127.0.0.1:$${PORT:-8000}, in the foreground
# (scripts/cluster; Ctrl-C stops it all). FZ_BIN names another binary to run
# as it is: then nothing is built (the tests run their build's binary, which
# may be build/san's, and must not rebuild ./fast_zero on the way).
.PHONY: cluster
cluster: deps
	@$(MAKE) --no-print-directory docs-assets $(if $(FZ_BIN),,fast_zero)
	@scripts/cluster

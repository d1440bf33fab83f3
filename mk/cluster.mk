# mk/cluster.mk -- `make cluster`: HOSTS app hosts (default 3) on one throwaway
# PostgreSQL, behind one nginx on 127.0.0.1:$${PORT:-8000}, in the foreground
# (scripts/cluster; Ctrl-C stops it all).
.PHONY: cluster
cluster: deps
	@$(MAKE) --no-print-directory fast_zero docs-assets
	@scripts/cluster

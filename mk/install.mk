# mk/install.mk -- make install / make uninstall, honouring PREFIX and DESTDIR.
PREFIX ?= /usr/local
SBINDIR = $(PREFIX)/sbin
SHAREDIR = $(PREFIX)/share/fast_zero
MANDIR = $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALLED = $(SBINDIR)/fast_zero $(MANDIR)/man8/fast_zero.8 \
	$(UNITDIR)/fast_zero.service $(UNITDIR)/fast_zero.socket \
	$(SHAREDIR)/nginx/fast_zero.conf $(SHAREDIR)/nginx/upstream.conf \
	$(patsubst %,$(SHAREDIR)/%,$(wildcard migrations/*.sql migrations/*/*.sql))
# Per-dialect migrations (see src/store/migrations.h) live in subfolders.
DIALECTS = $(patsubst migrations/%/,%,$(wildcard migrations/*/))

.PHONY: install uninstall
install: fast_zero
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR)/migrations $(DESTDIR)$(SHAREDIR)/nginx \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 fast_zero $(DESTDIR)$(SBINDIR)/fast_zero
	install -m 0644 migrations/*.sql $(DESTDIR)$(SHAREDIR)/migrations/
	for d in $(DIALECTS); do \
		install -d $(DESTDIR)$(SHAREDIR)/migrations/$$d; \
		install -m 0644 migrations/$$d/*.sql $(DESTDIR)$(SHAREDIR)/migrations/$$d/; \
	done
	install -m 0644 nginx/fast_zero.conf nginx/upstream.conf $(DESTDIR)$(SHAREDIR)/nginx/
	sed 's|@SHAREDIR@|$(SHAREDIR)|g' man/fast_zero.8 > $(DESTDIR)$(MANDIR)/man8/fast_zero.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/fast_zero.8
	for u in service socket; do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/fast_zero.$$u > $(DESTDIR)$(UNITDIR)/fast_zero.$$u; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/fast_zero.$$u; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(addprefix $(DESTDIR)$(SHAREDIR)/migrations/,$(DIALECTS)) 2>/dev/null
	-rmdir $(DESTDIR)$(SHAREDIR)/migrations $(DESTDIR)$(SHAREDIR)/nginx $(DESTDIR)$(SHAREDIR) 2>/dev/null

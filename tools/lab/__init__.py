"""The lab: real systemd test hosts in systemd-nspawn, driven by ``./lab``."""

#!/bin/sh
# Stand-in of the CloudNativePG PgBouncer image's ./entrypoint.sh: runs PgBouncer with the image's
# configuration file, as a child of this shell like the original.
/usr/bin/pgbouncer /etc/pgbouncer/pgbouncer.ini

# This file is part of store_hygiene.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

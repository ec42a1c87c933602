# This file is part of the personal_data module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.

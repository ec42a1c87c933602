# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Lists of names inside a message, joined as the user's language joins them"
from trytond.transaction import Transaction


def join_names(names, language=None):
    """Join the names with the enumeration comma 、 in Chinese, with ', ' in
    the other languages: 处置方案、整改措施 / Handling Plan, Improvements"""
    if language is None:
        language = Transaction().language or ''
    separator = '、' if language.startswith('zh') else ', '
    return separator.join(str(n) for n in names)

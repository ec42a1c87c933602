# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The phone validator, number by number: what is stored, what is shown,
what is refused and why"""

from trytond.modules.scheduled_activity.exceptions import PhoneNumberError
from trytond.modules.scheduled_activity.phone import (
    format_phone, is_valid_phone, normalize_phone, phone_domain, same_phone)
from trytond.i18n import gettext
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.tests.test_tryton import with_transaction

# As typed, stored (E.164 and ;ext=), shown (in English)
VALID = [
    # Mobiles, however written
    ('13800138000', '+8613800138000', '138 0013 8000'),
    ('138 0013 8000', '+8613800138000', '138 0013 8000'),
    ('138-0013-8000', '+8613800138000', '138 0013 8000'),
    ('+86 138 0013 8000', '+8613800138000', '138 0013 8000'),
    ('+86-13800138000', '+8613800138000', '138 0013 8000'),
    ('0086 138 0013 8000', '+8613800138000', '138 0013 8000'),
    ('(+86) 138 0013 8000', '+8613800138000', '138 0013 8000'),
    ('  13800138000  ', '+8613800138000', '138 0013 8000'),
    ('１３８００１３８０００', '+8613800138000', '138 0013 8000'),
    ('１３８－００１３－８０００', '+8613800138000', '138 0013 8000'),
    ('138\u30000013\u30008000', '+8613800138000', '138 0013 8000'),
    ('138\t0013\t8000', '+8613800138000', '138 0013 8000'),
    ('138 0013\r\n8000\n', '+8613800138000', '138 0013 8000'),
    ('139 1234 5678', '+8613912345678', '139 1234 5678'),
    ('19912345678', '+8619912345678', '199 1234 5678'),
    ('16612345678', '+8616612345678', '166 1234 5678'),
    ('17012345678', '+8617012345678', '170 1234 5678'),
    ('14512345678', '+8614512345678', '145 1234 5678'),
    # Landlines with their area code
    ('010-6552-9988', '+861065529988', '010 6552 9988'),
    ('(010) 65529988', '+861065529988', '010 6552 9988'),
    ('010 6552 9988', '+861065529988', '010 6552 9988'),
    ('021-64321000', '+862164321000', '021 6432 1000'),
    ('(021) 6321-8888', '+862163218888', '021 6321 8888'),
    ('（021）64321000', '+862164321000', '021 6432 1000'),
    ('021—64321000', '+862164321000', '021 6432 1000'),
    ('021.6432.1000', '+862164321000', '021 6432 1000'),
    ('+86 21 6432 1000', '+862164321000', '021 6432 1000'),
    ('+86 (0)21 6432 1000', '+862164321000', '021 6432 1000'),
    ('020-38881234', '+862038881234', '020 3888 1234'),
    ('0755-86013388', '+8675586013388', '0755 8601 3388'),
    ('0755 8601 3388', '+8675586013388', '0755 8601 3388'),
    ('0571-87654321', '+8657187654321', '0571 8765 4321'),
    ('028-85123456', '+862885123456', '028 8512 3456'),
    ('0898-66123456', '+8689866123456', '0898 6612 3456'),
    # Each way of writing an extension
    ('021-64321000-8021', '+862164321000;ext=8021',
        '021 6432 1000 ext. 8021'),
    ('0755-8601-3388-12', '+8675586013388;ext=12',
        '0755 8601 3388 ext. 12'),
    ('020-38881234 转 12', '+862038881234;ext=12', '020 3888 1234 ext. 12'),
    ('020-38881234转12', '+862038881234;ext=12', '020 3888 1234 ext. 12'),
    ('+86 21 6432 1000 转 8021', '+862164321000;ext=8021',
        '021 6432 1000 ext. 8021'),
    ('0755-86013388 分机 12', '+8675586013388;ext=12',
        '0755 8601 3388 ext. 12'),
    ('0755-86013388 分机号：12', '+8675586013388;ext=12',
        '0755 8601 3388 ext. 12'),
    ('021 6432 1000 #602', '+862164321000;ext=602',
        '021 6432 1000 ext. 602'),
    ('021-64321000 ext. 305', '+862164321000;ext=305',
        '021 6432 1000 ext. 305'),
    ('021-64321000 EXT 305', '+862164321000;ext=305',
        '021 6432 1000 ext. 305'),
    ('021 64321000 x 8021', '+862164321000;ext=8021',
        '021 6432 1000 ext. 8021'),
    ('+862164321000;ext=8021', '+862164321000;ext=8021',
        '021 6432 1000 ext. 8021'),
    ('tel:+86-21-6432-1000;ext=8021', '+862164321000;ext=8021',
        '021 6432 1000 ext. 8021'),
    # Service numbers
    ('400-820-8820', '+864008208820', '400 820 8820'),
    ('4008208820', '+864008208820', '400 820 8820'),
    ('400 820 8820 转 2', '+864008208820;ext=2', '400 820 8820 ext. 2'),
    ('800-820-8820', '+868008208820', '800 820 8820'),
    # Hong Kong, Macau, Taiwan
    ('+852 2123 4567', '+85221234567', '+852 2123 4567'),
    ('+852 9123 4567', '+85291234567', '+852 9123 4567'),
    ('00852 2123 4567', '+85221234567', '+852 2123 4567'),
    ('+853 2888 1234', '+85328881234', '+853 2888 1234'),
    ('+853 6612 3456', '+85366123456', '+853 6612 3456'),
    ('+886 2 2345 6789', '+886223456789', '+886 2 2345 6789'),
    ('+886 912 345 678', '+886912345678', '+886 912 345 678'),
    # Abroad
    ('+1 650 253 0000', '+16502530000', '+1 650-253-0000'),
    ('+1 (650) 253-0000 ext. 12', '+16502530000;ext=12',
        '+1 650-253-0000 ext. 12'),
    ('+44 20 7946 0958', '+442079460958', '+44 20 7946 0958'),
    ('+49 30 123456', '+4930123456', '+49 30 123456'),
    ('+81 3-1234-5678', '+81312345678', '+81 3-1234-5678'),
    ('+65 6123 4567', '+6561234567', '+65 6123 4567'),
    ]

# As typed, the message that refuses it and the values it names besides
# the number
INVALID = [
    # Letters and signs that are no part of a number
    ('138l2345678', 'msg_phone_characters', {'characters': 'l'}),
    ('13800138000abc', 'msg_phone_characters', {'characters': 'abc'}),
    ('1-800-FLOWERS', 'msg_phone_characters', {'characters': 'FLOWERS'}),
    ('电话13800138000', 'msg_phone_characters', {'characters': '电话'}),
    ('13800138000!', 'msg_phone_characters', {'characters': '!'}),
    ('138O0138000', 'msg_phone_characters', {'characters': 'O'}),
    ('1380013+8000', 'msg_phone_characters', {'characters': '+'}),
    # Too short
    ('13800', 'msg_phone_too_short', {}),
    ('95588', 'msg_phone_too_short', {}),
    ('+', 'msg_phone_too_short', {}),
    ('--', 'msg_phone_too_short', {}),
    # Too long
    ('12345678901234567890', 'msg_phone_too_long', {}),
    ('138 0013 8000 8000', 'msg_phone_too_long', {}),
    # A length or prefix that does not exist
    ('1381234567', 'msg_phone_unknown', {}),
    ('10012345678', 'msg_phone_unknown', {}),
    ('12345678901', 'msg_phone_unknown', {}),
    ('+86 123 4567 8901', 'msg_phone_unknown', {}),
    ('138001380001', 'msg_phone_unknown', {}),
    ('0000000000', 'msg_phone_unknown', {}),
    ('010-123456', 'msg_phone_unknown', {}),
    ('021-6432100', 'msg_phone_unknown', {}),
    ('021-643210000', 'msg_phone_unknown', {}),
    ('62123456', 'msg_phone_unknown', {}),
    ('2123 4567', 'msg_phone_unknown', {}),
    # A one-digit group after a dash is a typing error, not an extension
    ('021-64321000-8', 'msg_phone_unknown', {}),
    # No such country
    ('+999 1234 5678', 'msg_phone_country', {}),
    # Extensions of mobiles, or too long
    ('138-0013-8000 转 12', 'msg_phone_extension', {'extension': '12'}),
    ('13800138000 ext. 5', 'msg_phone_extension', {'extension': '5'}),
    ('021-64321000 转 1234567', 'msg_phone_extension',
        {'extension': '1234567'}),
    ]


class PhoneTestCase(ModuleDatabaseTestCase):
    "Test the phone validator"
    modules = ['scheduled_activity']

    def test_tables(self):
        "The tables hold enough numbers of each kind"
        self.assertGreaterEqual(len(VALID) + len(INVALID), 60)
        self.assertEqual(len({t for t, *_ in VALID + INVALID}),
            len(VALID) + len(INVALID))

    @with_transaction()
    def test_valid(self):
        "Each valid number is stored once and shown in its usual format"
        for typed, stored, shown in VALID:
            with self.subTest(typed=typed):
                self.assertEqual(normalize_phone(typed), stored)
                # Normalising the stored form changes nothing
                self.assertEqual(normalize_phone(stored), stored)
                self.assertEqual(format_phone(stored), shown)
                self.assertEqual(format_phone(typed), shown)
                self.assertTrue(same_phone(typed, stored))
                self.assertTrue(is_valid_phone(typed))

    @with_transaction()
    def test_invalid(self):
        "Each wrong number is refused with the message that says why"
        for typed, message, values in INVALID:
            with self.subTest(typed=typed):
                with self.assertRaises(PhoneNumberError) as context:
                    normalize_phone(typed)
                error = context.exception
                self.assertEqual(error.message, gettext(
                        'scheduled_activity.' + message, phone=typed,
                        **values))
                self.assertIn(typed, error.message)
                self.assertIn("leave the field empty", error.message)
                # Shown as typed, never as a wrong number
                self.assertEqual(format_phone(typed), typed)
                self.assertFalse(is_valid_phone(typed))

    @with_transaction()
    def test_characters_named(self):
        "The refusal names the letters that are no part of a number"
        with self.assertRaises(PhoneNumberError) as context:
            normalize_phone('138l2345678')
        self.assertIn('contains "l"', context.exception.message)
        with self.assertRaises(PhoneNumberError) as context:
            normalize_phone('1380013+8000')
        self.assertIn('contains "+"', context.exception.message)

    @with_transaction()
    def test_empty(self):
        "An empty field stays empty"
        for empty in [None, '', '   ']:
            with self.subTest(empty=empty):
                self.assertIsNone(normalize_phone(empty))
                self.assertFalse(format_phone(empty))

    @with_transaction()
    def test_same_phone(self):
        "Same number, however written; an extension given twice must agree"
        self.assertTrue(same_phone('021-64321000', '+862164321000;ext=8021'))
        self.assertTrue(
            same_phone('021-64321000 转 8021', '+862164321000;ext=8021'))
        self.assertFalse(
            same_phone('021-64321000 转 8022', '+862164321000;ext=8021'))
        self.assertFalse(same_phone('13800138000', '13800138001'))
        self.assertFalse(same_phone('13800138000', None))
        self.assertFalse(same_phone('138l0138000', '13800138000'))
        # Pasted from a table or over two lines
        self.assertTrue(same_phone('138\t1234\t5678', '13812345678'))
        self.assertTrue(
            same_phone('021-64321000\n转 8021', '+862164321000;ext=8021'))
        # A local number of the other's country, as written at home
        self.assertTrue(same_phone('9123 4567', '+85291234567'))
        self.assertTrue(same_phone('2123-4567', '+852 2123 4567'))
        self.assertTrue(same_phone('0912 345 678', '+886912345678'))
        self.assertFalse(same_phone('9123 4568', '+85291234567'))
        self.assertFalse(same_phone('9123 4567', '+8613800138000'))

    def test_domain_valid(self):
        "A search for a valid number finds its stored form (no transaction)"
        self.assertEqual(
            phone_domain('phone', 'ilike', '%138 0013 8000%'),
            ['OR',
                ('phone', 'ilike', '%138 0013 8000%'),
                ('phone', '=', '+8613800138000'),
                ('phone', 'like', '+8613800138000;ext=%'),
                ])
        self.assertEqual(
            phone_domain('phone', '=', '021-64321000 转 8021'),
            ['OR',
                ('phone', '=', '021-64321000 转 8021'),
                ('phone', '=', '+862164321000;ext=8021'),
                ])
        self.assertEqual(
            phone_domain('phone', 'not ilike', '%13800138000%'),
            ['AND',
                ('phone', 'not ilike', '%13800138000%'),
                ('phone', '!=', '+8613800138000'),
                ('phone', 'not like', '+8613800138000;ext=%'),
                ])

    def test_domain_partial(self):
        "Partial digits find the numbers that contain them"
        self.assertEqual(
            phone_domain('phone', 'ilike', '%0013 8000%'),
            ['OR',
                ('phone', 'ilike', '%0013 8000%'),
                ('phone', 'like', '%00138000%'),
                ('phone', 'like', '%138000%'),
                ])
        self.assertEqual(
            phone_domain('phone', 'ilike', '%021-6432%'),
            ['OR',
                ('phone', 'ilike', '%021-6432%'),
                ('phone', 'like', '%0216432%'),
                ('phone', 'like', '%216432%'),
                ])
        self.assertEqual(
            phone_domain('phone', 'ilike', '%8000%'),
            ['OR',
                ('phone', 'ilike', '%8000%'),
                ('phone', 'like', '%8000%'),
                ])

    def test_domain_unchanged(self):
        "What is no number is searched as it is"
        for clause in [
                ('phone', '=', None),
                ('phone', '!=', None),
                ('phone', 'ilike', '%王%'),
                ('phone', '=', '1381234'),
                ('phone', '>', '1'),
                ]:
            with self.subTest(clause=clause):
                self.assertEqual(phone_domain(*clause), [clause])
        self.assertEqual(
            phone_domain('phone', 'in', ['138 0013 8000', 'x']),
            [('phone', 'in', ['138 0013 8000', 'x', '+8613800138000'])])


class PhoneChineseTestCase(ModuleDatabaseTestCase):
    "Test the phone validator in Chinese"
    modules = ['scheduled_activity']
    language = 'zh_CN'

    @with_transaction(context={'language': 'zh_CN'})
    def test_chinese(self):
        "The extension is shown with 转 and the refusal is in Chinese"
        self.assertEqual(
            format_phone('+862164321000;ext=8021'), '021 6432 1000 转 8021')
        self.assertEqual(format_phone('+8613800138000'), '138 0013 8000')
        with self.assertRaises(PhoneNumberError) as context:
            normalize_phone('1381234567')
        self.assertEqual(context.exception.message,
            '“1381234567”不是有效的电话号码：手机号段或区号不存在，'
            '或位数与号段、区号不符。请改正，或不填此项。')
        with self.assertRaises(PhoneNumberError) as context:
            normalize_phone('138l2345678')
        self.assertIn('含有“l”', context.exception.message)


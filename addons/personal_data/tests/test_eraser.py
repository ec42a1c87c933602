# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"How phone numbers are compared, values masked and free text redacted"
import unittest

from trytond.modules.personal_data.eraser import (
    ERASED, Redactor, mask_email, mask_name, mask_phone, phone_key)


class PhoneKeyTestCase(unittest.TestCase):

    def test_same_number_however_typed(self):
        "A mobile number is the same however it is typed"
        key = phone_key("13800138000")
        self.assertEqual(key, "13800138000")
        for typed in ["138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                "0086 13800138000", "(+86) 138-0013-8000", "+8613800138000",
                "１３８００１３８０００", "tel:+86-138-0013-8000"]:
            with self.subTest(typed=typed):
                self.assertEqual(phone_key(typed), key)

    def test_landline(self):
        "A landline is the same with or without its trunk prefix and dashes"
        self.assertEqual(
            phone_key("021-64321000"), phone_key("+86 21 6432 1000"))
        self.assertEqual(
            phone_key("021-64321000 转 8021"), phone_key("(021) 6432 1000"))

    def test_other_numbers(self):
        "Different numbers differ; what is no number has no key"
        self.assertNotEqual(phone_key("13800138000"), phone_key("13800138001"))
        self.assertIsNone(phone_key(""))
        self.assertIsNone(phone_key(None))
        self.assertIsNone(phone_key("12345"))

    def test_unreadable_number_by_digits(self):
        "A number the validator refuses is compared by its last 11 digits"
        self.assertEqual(phone_key("1-2345-678-90123"), "34567890123")


class MaskTestCase(unittest.TestCase):

    def test_masks(self):
        self.assertEqual(mask_name("王芳"), "王*")
        self.assertEqual(mask_phone("(+86) 138-0013-8000"), "138****8000")
        self.assertEqual(mask_email("wangfang@example.com"),
            "w***@example.com")
        for mask in [mask_name, mask_phone, mask_email]:
            self.assertIsNone(mask(None))

    def test_mask_short_phone(self):
        "A short number never shows whole: half its digits and 4 are hidden"
        for typed, masked in [
                ("612-3456", "6****56"),
                ("9123 4567", "91****67"),
                ("123-456-789", "12*****89"),
                ("12345-67890", "12*****890"),
                ("12345", "*****"),
                ]:
            with self.subTest(typed=typed):
                self.assertEqual(mask_phone(typed), masked)


class RedactorTestCase(unittest.TestCase):

    def test_redact(self):
        "The values are replaced wherever the text repeats them"
        redact = Redactor(
            ["王芳", "wangfang@example.com", "长沙市岳麓区\n麓山南路 88 号"],
            ["+8613800138000"])
        self.assertEqual(
            redact("王芳（WangFang@Example.com）请回电 138 0013 8000 "
                "或 138-0013-8000，住麓山南路 88 号。"),
            f"{ERASED}（{ERASED}）请回电 {ERASED} 或 {ERASED}，住{ERASED}。")

    def test_other_dashes(self):
        "A number written with the other dashes the validator reads"
        mobile = Redactor([], ["+8613812345678"])
        landline = Redactor([], ["+862161234567"])
        for redact, text in [
                (mobile, "请回电 138—1234—5678。"),
                (mobile, "请回电 138‐1234‐5678。"),
                (mobile, "请回电 138ー1234ー5678。"),
                (mobile, "请回电 138 — 1234 — 5678。"),
                (landline, "请回电 021–61234567。"),
                (landline, "请回电 021−6123−4567。"),
                ]:
            with self.subTest(text=text):
                self.assertEqual(redact(text), f"请回电 {ERASED}。")

    def test_other_numbers_kept(self):
        "Other numbers and dates stay"
        redact = Redactor([], ["13800138000"])
        text = "订单 2024-05-01 金额 1,280.00 元，客服 400 820 8820。"
        self.assertEqual(redact(text), text)
        self.assertEqual(
            redact("两个号码 13900139000 13800138000"),
            f"两个号码 13900139000 {ERASED}")

    def test_nothing(self):
        redact = Redactor([None, "", "王"], [None])
        self.assertFalse(redact)
        self.assertEqual(redact("王先生"), "王先生")
        self.assertIsNone(redact(None))

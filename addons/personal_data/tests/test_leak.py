# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Leak probes: after an erasure, no column of any table of the database and
no file of the filestore holds the erased values"""
import datetime as dt
import shutil
import tempfile
import unittest
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from trytond import config
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from . import data
from .tools import files_holding

CLOCK = 'trytond.modules.scheduled_activity.clock.now'


class LeakProbeTestCase(unittest.TestCase):
    "Erased personal data leaves no trace in the database or the filestore"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.mkdtemp()
        cls.previous_path = config.get('database', 'path')
        config.set('database', 'path', cls.folder)
        drop_db()
        activate_module('personal_data')

    @classmethod
    def tearDownClass(cls):
        drop_db()
        config.set('database', 'path', cls.previous_path)
        shutil.rmtree(cls.folder, ignore_errors=True)
        super().tearDownClass()

    def assertHeld(self, values):
        "The probe finds the values before the erasure: it can fail"
        found = {v for _, _, v in data.database_holding(values)}
        found |= {v for v in values if files_holding(self.folder, v)}
        self.assertEqual(
            {v if isinstance(v, str) else v.decode('utf-8', 'replace')
                for v in found},
            {v if isinstance(v, str) else v.decode('utf-8', 'replace')
                for v in values})

    def assertNoTrace(self, values):
        self.assertEqual(data.database_holding(values), [])
        self.assertEqual(files_holding(self.folder, *values), [])

    @with_transaction()
    def test_retention(self):
        "The retention task erases every trace of the person"
        pool = Pool()
        Retention = pool.get('personal_data.retention')
        Complaint = pool.get('complaint.complaint')
        Log = pool.get('personal_data.erasure_log')
        transaction = Transaction()

        company = create_company()
        with set_company(company):
            records = data.create_person_records(company)
        transaction.commit()
        self.assertHeld(data.PROBES)

        later = dt.datetime.now() + relativedelta(months=40)
        with patch(CLOCK, return_value=later):
            Retention.erase_expired()
        transaction.commit()

        self.assertNoTrace(data.PROBES)
        complaint = Complaint(records['complaint'].id)
        self.assertEqual(complaint.number, records['complaint'].number)
        self.assertEqual(complaint.satisfaction, 'satisfied')
        self.assertEqual(
            sorted((l.kind, l.count) for l in Log.search([
                        ('origin', '=', 'retention')])),
            [('attachment', 1), ('certificate', 1), ('complaint', 1),
                ('email', 2), ('feedback', 1), ('preshift', 1)])

        # A second run finds nothing left: the claims hold
        with patch(CLOCK, return_value=later):
            self.assertEqual(Retention.erase_expired(), {})

    @with_transaction()
    def test_subject_request(self):
        "A subject request erases every trace of the person and of her party"
        pool = Pool()
        Party = pool.get('party.party')
        Request = pool.get('personal_data.subject_request')
        transaction = Transaction()

        company = create_company(name="Leak Probe Company")
        party, = Party.create([{
                    'name': data.NAME,
                    'contact_mechanisms': [('create', [
                                {'type': 'mobile',
                                    'value': '+86 ' + data.PHONE_TYPED},
                                {'type': 'email', 'value': data.EMAIL},
                                ])],
                    'addresses': [('create', [
                                {'street': data.ADDRESS},
                                ])],
                    }])
        with set_company(company):
            data.create_person_records(company, party=party)
            request, = Request.create([{
                        'company': company.id,
                        'phone': "+86 (139) 1234-5678",
                        }])
        transaction.commit()
        values = [v for v in data.PROBES
            if v not in {data.CERTIFICATE, data.SCAN, data.NOTE}]
        self.assertHeld(values)

        Request.find([request])
        self.assertEqual(
            sorted({l.kind for l in request.lines}),
            ['attachment', 'complaint', 'email', 'feedback', 'party'])
        Request.write([request], {'reason': "本人申请删除"})
        Request.erase([request])
        transaction.commit()

        self.assertNoTrace(values)
        self.assertTrue(all(l.erased for l in request.lines))

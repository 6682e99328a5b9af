"""CRM tables: accounts, contacts, subscriptions and deals."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custseg import generate_reference as ref
from custseg.generate.common import (
    VALID_DUPLICATE_RATE,
    _date_text,
    _ids,
    _int_text,
    _iso_variant,
    _money_text,
    _pick,
    _set,
    _take,
    _ts_text,
    _with_mask,
)
from custseg.generate.core import GeneratorBase


class CrmTables(GeneratorBase):
    def build_accounts(self) -> None:
        rng = self._rng("accounts")
        n = self.plan.accounts
        self.acc_num = np.arange(1, n + 1)
        self.acc_ids = _ids("A", self.acc_num)
        self.acc_country = _pick(rng, [w[0] for w in ref.COUNTRY_WEIGHTS.values()], n)
        self.acc_band = _pick(rng, [0.55, 0.30, 0.15], n)
        lo = np.array([2, 200, 2000])[self.acc_band]
        hi = np.array([199, 1999, 60000])[self.acc_band]
        self.acc_emp = np.clip(np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int64), lo, hi)
        self.acc_industry = _pick(rng, [w for _, w in ref.INDUSTRIES], n)
        self.acc_created = rng.integers(self.end - 5 * 365 * 86_400, self.end - 30 * 86_400, n)
        updated = self.acc_created + (rng.random(n) * (self.end - self.acc_created)).astype(np.int64)
        # money: local currency, or USD for 30% of companies
        self.currency_codes = [*self.country_currency, "USD"]
        self.currency_fx = np.array([*self.country_fx, 1.0])
        self.acc_currency = np.where(rng.random(n) < 0.3, len(self.country_codes), self.acc_country)
        revenue = self.acc_emp * np.exp(rng.normal(np.log(180_000), 0.5, n)) * self.currency_fx[self.acc_currency]
        revenue = np.maximum(1000, np.round(revenue / 1000) * 1000).astype(np.int64)
        # commercial state used by subscriptions, deals and product events
        self.acc_has_sub = rng.random(n) < (0.40 + 0.10 * self.acc_band)
        u = rng.random(n)
        self.acc_churn_risk = self.acc_has_sub & (u < 0.30)
        self.acc_near_limit = self.acc_has_sub & (u >= 0.30) & (u < 0.60)

        w1 = rng.integers(0, len(ref.COMPANY_WORDS[0]), n)
        w2 = rng.integers(0, len(ref.COMPANY_WORDS[1]), n)
        legal = [ref.LEGAL_FORM.get(c, "Ltd") for c in self.country_codes]
        name = pc.binary_join_element_wise(
            _take(ref.COMPANY_WORDS[0], w1), _take(ref.COMPANY_WORDS[1], w2), _take(legal, self.acc_country), " "
        )
        tld = [ref.TLD.get(c, "com") for c in self.country_codes]
        self.acc_domain = pc.binary_join_element_wise(
            pc.utf8_lower(_take(ref.COMPANY_WORDS[0], w1)),
            pc.utf8_lower(_take(ref.COMPANY_WORDS[1], w2)),
            _int_text(self.acc_num),
            ".",
            _take(tld, self.acc_country),
            "",
        )
        scheme = _pick(rng, [0.8, 0.1, 0.1], n)
        website = pc.binary_join_element_wise(_take(["", "www.", "https://www."], scheme), self.acc_domain, "")
        tech_names = [t for t, _ in ref.TECHNOLOGIES]
        tech_p = np.array([p for _, p in ref.TECHNOLOGIES])
        has = rng.random((n, len(tech_names))) < tech_p[None, :] * (0.7 + 0.3 * self.acc_band[:, None])
        technologies = [";".join(tech_names[j] for j in np.flatnonzero(row)) for row in has]
        industry_names = [i for i, _ in ref.INDUSTRIES]
        industry = _take(industry_names, self.acc_industry)
        industry = pc.if_else(pa.array(rng.random(n) < 0.1), pc.utf8_lower(industry), industry)
        city, region, postal = self._places(rng, self.acc_country)
        created_text = _ts_text(self.acc_created)
        iso = rng.random(n) < 0.05
        self._variant("crm_accounts", "iso_8601_timestamp", int(iso.sum()))
        no_revenue = rng.random(n) < 0.03
        clean = {
            "account_id": self.acc_ids,
            "account_name": name,
            "website_domain": website,
            "industry": industry,
            "employee_count": self._text_number_variants(rng, _int_text(self.acc_emp), self.acc_emp, "crm_accounts"),
            "annual_revenue": _with_mask(
                self._text_number_variants(rng, _int_text(revenue), revenue, "crm_accounts"), no_revenue
            ),
            "revenue_currency": _with_mask(_take(self.currency_codes, self.acc_currency), no_revenue),
            "country": self._country_text(rng, self.acc_country, "crm_accounts"),
            "region": region,
            "city": city,
            "postal_code": postal,
            "technologies": pa.array(technologies, pa.string()),
            "created_at": _iso_variant(created_text, iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "_loaded_at": self._loaded(n),
        }
        parts = [clean, *self._inject("crm_accounts", clean, {"with_revenue": np.flatnonzero(~no_revenue)})]
        self._write_small("crm_accounts", parts, rng)

    # ------------------------------------------------------------------ contacts (numbers only)
    def plan_contacts(self) -> None:
        rng = self._rng("contacts")
        n, n_acc = self.plan.contacts, self.plan.accounts
        self.n_contacts = n
        self.con_num = np.arange(1, n + 1)
        self.con_ids = _ids("C", self.con_num)
        n_b2b = max(n_acc, int(0.6 * n))
        b2b_pos = rng.permutation(n)[:n_b2b]
        weights = np.log(self.acc_emp + 2.0)
        assign = np.concatenate([np.arange(n_acc), rng.choice(n_acc, n_b2b - n_acc, p=weights / weights.sum())])
        self.con_account = np.full(n, -1, dtype=np.int64)
        self.con_account[b2b_pos] = rng.permutation(assign)
        b2b = self.con_account >= 0
        self.con_b2b = b2b
        acc = np.where(b2b, self.con_account, 0)
        consumer_country = _pick(rng, [w[1] for w in ref.COUNTRY_WEIGHTS.values()], n)
        other_country = _pick(rng, [w[0] for w in ref.COUNTRY_WEIGHTS.values()], n)
        self.con_country = np.where(
            b2b, np.where(rng.random(n) < 0.85, self.acc_country[acc], other_country), consumer_country
        )
        start = np.where(
            b2b, np.maximum(self.acc_created[acc], self.end - 4 * 365 * 86_400), self.end - int(3.5 * 365 * 86_400)
        )
        self.con_created = start + (rng.random(n) * (self.end - 86_400 - start)).astype(np.int64)
        stage_p = np.where(b2b[:, None], [[0.2, 0.25, 0.25, 0.15, 0.15]], [[0.35, 0.25, 0.2, 0.1, 0.1]])
        self.con_max_stage = (rng.random(n)[:, None] > np.cumsum(stage_p, axis=1)).sum(axis=1).clip(0, 4)
        customer_acc = b2b & self.acc_has_sub[acc]
        self.con_max_stage = np.where(customer_acc, np.maximum(self.con_max_stage, 3), self.con_max_stage)
        # interests: industry-typical topics for B2B, random for consumers
        industry_topics = {
            "Fintech": [0, 4],
            "Healthcare": [4, 0],
            "Retail": [1, 5],
            "Software": [2, 3],
            "Manufacturing": [3, 5],
            "Education": [6, 1],
            "Logistics": [3, 2],
            "Media": [1, 2],
            "Energy": [5, 4],
            "Public Sector": [4, 0],
        }
        pref = np.array([industry_topics[name] for name, _ in ref.INDUSTRIES])
        typical = pref[self.acc_industry[acc], rng.integers(0, 2, n)]
        self.con_topic = np.where(b2b & (rng.random(n) < 0.7), typical, rng.integers(0, len(ref.TOPIC_SLUGS), n))
        self.con_activity = rng.gamma(1.5, 1 / 1.5, n)
        self.con_consent = rng.random(n) < 0.85
        self.con_deleted = rng.random(n) < 0.005
        self.con_anon_num = (self.con_num * 2_654_435_761) % (2**32)
        # buyers follow a BG/NBD process (lambda ~ Gamma, dropout p ~ Beta); spend is Gamma-Gamma
        self.con_buyer = np.where(b2b, rng.random(n) < 0.15, rng.random(n) < 0.7)
        self.con_eco = rng.random(n) < np.where(b2b, 0.1, 0.25)
        self.con_subscriber_affinity = rng.random(n) < 0.15
        self.con_price_sensitivity = rng.beta(0.8, 4.0, n)
        self.con_fav_category = rng.integers(0, len(self.categories), n)

    # ------------------------------------------------------------------ subscriptions
    def build_subscriptions(self) -> None:
        rng = self._rng("subscriptions")
        subs = np.flatnonzero(self.acc_has_sub)
        n = len(subs)
        band = self.acc_band[subs]
        plan = np.where(
            band == 0, rng.integers(0, 2, n), np.where(band == 1, 1 + rng.integers(0, 2, n), 2 + rng.integers(0, 2, n))
        )
        seat_lo = np.array([3, 10, 50, 250])[plan]
        seat_hi = np.array([10, 50, 250, 2000])[plan]
        seats = np.minimum(rng.integers(seat_lo, seat_hi + 1), np.maximum(self.acc_emp[subs], 3))
        near = self.acc_near_limit[subs]
        ratio = np.where(near, rng.uniform(0.92, 1.0, n), rng.uniform(0.3, 0.8, n))
        seats_used = np.clip(np.round(seats * ratio), 1, seats).astype(np.int64)
        churn = self.acc_churn_risk[subs]
        status = _pick(rng, [0.70, 0.05, 0.05, 0.20], n)  # active, trialing, past_due, cancelled
        status = np.where(churn, np.where(rng.random(n) < 0.8, 0, 2), status)
        status = np.where(near, 0, status)
        started = self.end - rng.integers(120, 1000, n) * 86_400 - rng.integers(0, 86_400, n)
        started = np.maximum(started, self.acc_created[subs] + 86_400)
        started = np.where(status == 1, self.end - rng.integers(1, 14, n) * 86_400, started)
        ended = np.where(status == 3, started + (rng.random(n) * (self.end - 86_400 - started)).astype(np.int64), 0)
        renewal = started + 365 * 86_400 * (1 + (self.end - started) // (365 * 86_400))
        has_end = (status == 3) | ((status != 3) & (rng.random(n) < 0.5))
        ended = np.where(status == 3, ended, renewal)
        per_seat = np.array([15.0, 25.0, 40.0, 60.0])[plan]
        currency = self.acc_currency[subs]
        mrr = seats * per_seat * self.currency_fx[currency]
        self.sub_account = subs
        self.sub_status = status
        self.sub_started = started
        self.sub_ended = np.where(status == 3, ended, 0)
        self.sub_mrr_usd = seats * per_seat
        # per account: product usage window (0 = no product usage)
        self.acc_usage_start = np.zeros(self.plan.accounts, dtype=np.int64)
        self.acc_usage_end = np.zeros(self.plan.accounts, dtype=np.int64)
        self.acc_usage_start[subs] = started
        self.acc_usage_end[subs] = np.where(status == 3, ended, self.end)
        self.acc_sub_status = np.full(self.plan.accounts, -1)
        self.acc_sub_status[subs] = status
        status_names = ["active", "trialing", "past_due", "cancelled"]
        status_text = _take(status_names, status)
        status_text = pc.if_else(pa.array(rng.random(n) < 0.05), pc.utf8_upper(status_text), status_text)
        clean = {
            "subscription_id": _ids("S", np.arange(1, n + 1)),
            "account_id": self.acc_ids.take(pa.array(subs)),
            "plan": _take(["starter", "growth", "business", "enterprise"], plan),
            "seats": self._text_number_variants(rng, _int_text(seats), seats, "crm_subscriptions"),
            "seats_used": _int_text(seats_used),
            "mrr": _money_text(mrr),
            "currency": _take(self.currency_codes, currency),
            "started_at": _ts_text(started),
            "ended_at": _with_mask(_ts_text(ended), ~has_end),
            "status": status_text,
            "_loaded_at": self._loaded(n),
        }
        running = np.flatnonzero(status == 0)
        parts = [clean, *self._inject("crm_subscriptions", clean, {"running": running})]
        self._write_small("crm_subscriptions", parts, rng)

    def build_deals(self) -> None:
        rng = self._rng("deals")
        n_acc = self.plan.accounts
        # contacts of each account, to pick the main contact of a deal
        order = np.argsort(self.con_account, kind="stable")
        order = order[self.con_account[order] >= 0]
        counts = np.bincount(self.con_account[order], minlength=n_acc)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        extra = rng.poisson(0.6 + 0.4 * self.acc_band)
        acc = np.repeat(np.arange(n_acc), extra)
        m = len(acc)
        created = self.acc_created[acc] + (rng.random(m) * (self.end - 86_400 - self.acc_created[acc])).astype(np.int64)
        closed = created + rng.integers(14, 150, m) * 86_400
        is_closed = closed < self.end - 86_400
        won = is_closed & (rng.random(m) < 0.25)
        # the deal that started each subscription: won, closed on the subscription's start
        sub_acc = self.sub_account
        sub_closed = self.sub_started
        sub_created = sub_closed - rng.integers(20, 120, len(sub_acc)) * 86_400
        acc = np.concatenate([acc, sub_acc])
        created = np.concatenate([created, np.maximum(sub_created, self.acc_created[sub_acc])])
        closed = np.concatenate([closed, sub_closed])
        is_closed = np.concatenate([is_closed, self.sub_status != 1])  # a trial's deal is still open
        won = np.concatenate([won, self.sub_status != 1])
        m = len(acc)
        order_by = np.lexsort((created, acc))
        acc, created, closed, is_closed, won = (a[order_by] for a in (acc, created, closed, is_closed, won))
        amount_usd = np.round(np.exp(rng.normal(np.log(3_000 * (1 + self.acc_band[acc] * 4)), 0.6)), -1) + 500
        currency = self.acc_currency[acc]
        stage = np.where(is_closed, np.where(won, 4, 5), rng.integers(0, 4, m))
        stages = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
        contact = order[first[acc] + (rng.random(m) * counts[acc]).astype(np.int64)]
        no_contact = rng.random(m) < 0.05
        self.acc_open_deal = np.zeros(n_acc, dtype=bool)
        self.acc_open_deal[acc[~is_closed]] = True
        clean = {
            "deal_id": _ids("D", np.arange(1, m + 1)),
            "account_id": self.acc_ids.take(pa.array(acc)),
            "contact_id": _with_mask(self.con_ids.take(pa.array(contact)), no_contact),
            "deal_stage": _take(stages, stage),
            "amount": _money_text(amount_usd * self.currency_fx[currency]),
            "currency": _take(self.currency_codes, currency),
            "created_at": _ts_text(created),
            "closed_at": _with_mask(_ts_text(closed), ~is_closed),
            "is_won": _with_mask(_take(["false", "true"], won.astype(np.int64)), ~is_closed),
            "_loaded_at": self._loaded(m),
        }
        parts = [clean, *self._inject("crm_deals", clean, {"open": np.flatnonzero(~is_closed)})]
        self._write_small("crm_deals", parts, rng)

    def write_contacts(self) -> None:
        rng = self._rng("contacts_text")
        n = self.n_contacts
        b2b = self.con_b2b
        acc = np.where(b2b, self.con_account, 0)
        # lifecycle from commercial state
        sub_status = np.where(b2b, self.acc_sub_status[acc], -1)
        by_stage = np.array([0, 1, 2, 3, 3])[self.con_max_stage]  # subscriber, lead, mql, sql
        stage = np.where(b2b & np.isin(sub_status, [0, 1, 2]), 5, by_stage)
        stage = np.where(b2b & (sub_status == 3), 6, stage)
        stage = np.where(b2b & (sub_status < 0) & self.acc_open_deal[acc], 4, stage)
        bought = self.con_orders > 0
        lapsed = bought & (self.con_last_order < self.end - 365 * 86_400)
        stage = np.where(~b2b & bought, np.where(lapsed, 6, 5), stage)
        stages = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "former_customer"]
        # names and emails by country
        group_of = np.array(
            [list(ref.NAME_GROUPS).index(ref.COUNTRY_NAME_GROUP.get(c, "other")) for c in self.country_codes]
        )
        groups = list(ref.NAME_GROUPS.values())
        firsts = [f for g in groups for f in g[0]]
        lasts = [s for g in groups for s in g[1]]
        first_off = np.cumsum([0] + [len(g[0]) for g in groups])[:-1]
        last_off = np.cumsum([0] + [len(g[1]) for g in groups])[:-1]
        g = group_of[self.con_country]
        sizes_f = np.array([len(x[0]) for x in groups])[g]
        sizes_l = np.array([len(x[1]) for x in groups])[g]
        fi = first_off[g] + (rng.random(n) * sizes_f).astype(np.int64)
        li = last_off[g] + (rng.random(n) * sizes_l).astype(np.int64)
        first_name, last_name = _take(firsts, fi), _take(lasts, li)
        local = pc.utf8_lower(pc.binary_join_element_wise(first_name, last_name, _int_text(self.con_num), "."))
        for a, b in [
            ("ş", "s"),
            ("ı", "i"),
            ("ğ", "g"),
            ("ü", "u"),
            ("ö", "o"),
            ("ç", "c"),
            ("é", "e"),
            ("á", "a"),
            ("í", "i"),
            ("ó", "o"),
            ("ã", "a"),
            ("è", "e"),
            (" ", ""),
            ("-", ""),
        ]:
            local = pc.replace_substring(local, a, b)
        domains, dom_off, dom_len = [], [], []
        for code in self.country_codes:
            opts = ref.CONSUMER_EMAIL_DOMAINS.get(code, ref.DEFAULT_EMAIL_DOMAINS)
            dom_off.append(len(domains))
            dom_len.append(len(opts))
            domains += opts
        di = np.array(dom_off)[self.con_country] + (rng.random(n) * np.array(dom_len)[self.con_country]).astype(int)
        domain = pc.if_else(pa.array(b2b), self.acc_domain.take(pa.array(acc)), _take(domains, di))
        self.con_email = pc.binary_join_element_wise(local, domain, "@")
        email_text = self.con_email
        cased = rng.random(n) < 0.04
        email_text = pc.if_else(pa.array(cased), pc.utf8_capitalize(email_text), email_text)
        padded = rng.random(n) < 0.02
        email_text = pc.if_else(pa.array(padded), pc.binary_join_element_wise(" ", email_text, " ", ""), email_text)
        self._variant("crm_contacts", "email_mixed_case", int(cased.sum()))
        self._variant("crm_contacts", "email_padded", int(padded.sum()))
        # titles
        tw = [t[4] for t in ref.JOB_TITLES]
        title = _take([t[0] for t in ref.JOB_TITLES], _pick(rng, tw, n))
        consumer_title = _take(ref.CONSUMER_TITLES, rng.integers(0, len(ref.CONSUMER_TITLES), n))
        consumer_title = _with_mask(consumer_title, rng.random(n) < 0.7)
        title = pc.if_else(pa.array(b2b), title, consumer_title)
        title = _with_mask(title, b2b & (rng.random(n) < 0.03))
        # demographics (consumers always, B2B contacts sometimes)
        demo = ~b2b | (rng.random(n) < 0.3)
        age = np.where(b2b, rng.integers(24, 66, n), np.clip(rng.gamma(6.0, 7.5, n) + 18, 18, 85)).astype(np.int64)
        birth = self.end - age * 365 * 86_400 - rng.integers(0, 365, n) * 86_400
        gender = _pick(rng, [0.48, 0.47, 0.02, 0.03], n)
        gender_text = _take(["female", "male", "non-binary", "unknown"], gender)
        short = rng.random(n)
        gender_text = pc.if_else(
            pa.array((short < 0.1) & (gender < 2)), _take(["F", "M"], np.minimum(gender, 1)), gender_text
        )
        gender_text = pc.if_else(pa.array(short > 0.93), pc.utf8_capitalize(gender_text), gender_text)
        married_p = np.clip((age - 20) / 40, 0.05, 0.7)
        ms = np.where(rng.random(n) < married_p, 1, _pick(rng, [0.6, 0.0, 0.2, 0.05, 0.15], n))
        ms = np.where((age > 70) & (rng.random(n) < 0.3), 3, ms)
        marital = _take(["single", "married", "divorced", "widowed", "partnered"], ms)
        marital = pc.if_else(pa.array(rng.random(n) < 0.08), pc.utf8_capitalize(marital), marital)
        household = np.where(np.isin(ms, [1, 4]), 2 + rng.poisson(1.0, n), 1 + rng.poisson(0.3, n)).clip(1, 7)
        income_usd = np.exp(rng.normal(np.log(55_000), 0.55, n)) * (1 + 0.15 * (household > 2))
        income = np.maximum(1000, np.round(income_usd * self.country_fx[self.con_country], -2)).astype(np.int64)
        city, _, postal = self._places(rng, self.con_country)
        prefix_index = np.array([list(ref.PHONE_PREFIX).index(c) for c in self.country_codes])[self.con_country]
        national = rng.integers(200_000_000, 999_999_999, n)
        # ten-digit national numbers where the numbering plan has them (a digit derived, not drawn)
        ten_digits = np.isin(prefix_index, [list(ref.PHONE_PREFIX).index(c) for c in ("US", "CA", "TR")])
        phone = pc.binary_join_element_wise(
            _take(list(ref.PHONE_PREFIX.values()), prefix_index),
            _int_text(np.where(ten_digits, national * 10 + national % 7, national)),
            " ",
        )
        updated = self.con_created + (rng.random(n) * (self.end - self.con_created)).astype(np.int64)
        consent_text = _take(
            ["false", "true", "no", "yes", "0", "1"],
            self.con_consent.astype(np.int64) + 2 * _pick(rng, [0.8, 0.1, 0.1], n),
        )
        source = _take(
            ["organic", "paid_search", "social", "referral", "event", "outbound", "partner"],
            _pick(rng, [0.3, 0.2, 0.15, 0.1, 0.08, 0.1, 0.07], n),
        )
        consent_at = self._consent_times(updated)
        tz = _with_mask(_take(self.country_tz, self.con_country), rng.random(n) < 0.3)
        iso = rng.random(n) < 0.05
        self._variant("crm_contacts", "iso_8601_timestamp", int(iso.sum()))
        clean = {
            "contact_id": self.con_ids,
            "account_id": _with_mask(self.acc_ids.take(pa.array(acc)), ~b2b),
            "email": email_text,
            "first_name": first_name,
            "last_name": last_name,
            "job_title": title,
            "phone": _with_mask(phone, rng.random(n) < 0.2),
            "birth_date": _with_mask(_date_text(birth), ~demo),
            "gender": _with_mask(gender_text, ~demo),
            "marital_status": _with_mask(marital, ~demo),
            "household_size": _with_mask(_int_text(household), ~demo),
            "annual_income": _with_mask(
                self._text_number_variants(rng, _int_text(income), income, "crm_contacts"), ~demo
            ),
            "income_currency": _with_mask(_take(self.country_currency, self.con_country), ~demo),
            "country": self._country_text(rng, self.con_country, "crm_contacts"),
            "city": city,
            "postal_code": postal,
            "time_zone": tz,
            "lifecycle_stage": _take(stages, stage),
            "lead_source": source,
            "marketing_consent": consent_text,
            "marketing_consent_at": consent_at,
            "created_at": _iso_variant(_ts_text(self.con_created), iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "is_deleted": _take(["false", "true"], self.con_deleted.astype(np.int64)),
            "_loaded_at": self._loaded(n),
        }
        inj = self.injector
        parts = [clean, *self._inject("crm_contacts", clean, {"with_demographics": np.flatnonzero(demo)})]
        # valid duplicates: a new contact id whose email differs only by case / whitespace
        k = max(1, int(round(VALID_DUPLICATE_RATE * n)))
        idx = rng.choice(n, size=k, replace=False)
        dup = {c: a.take(pa.array(idx)) for c, a in clean.items()}
        dup = _set(dup, "contact_id", inj.new_ids("C", k))
        base = self.con_email.take(pa.array(idx))
        how = rng.integers(0, 3, k)
        variants = pc.if_else(
            pa.array(how == 0),
            pc.utf8_upper(base),
            pc.if_else(
                pa.array(how == 1),
                pc.binary_join_element_wise("  ", base, " ", ""),
                pc.binary_join_element_wise(pc.utf8_capitalize(base), " ", ""),
            ),
        )
        dup = _set(dup, "email", variants)
        parts.append(dup)
        self.valid_duplicates["crm_contacts"] = {"same_email_new_contact_id": k}
        self._write_small("crm_contacts", parts, rng)

    def _consent_times(self, updated: np.ndarray) -> pa.Array:
        """When each consenting contact last gave marketing consent: at sign-up, or for one in
        seven a later re-consent (before the record's last update); empty without consent and
        for one in twenty consenting legacy records. Its own random stream, so the other
        columns stay as they were before the column existed."""
        rng = self._rng("consent_times")
        n = len(updated)
        later = rng.random(n) < 1 / 7
        offset = np.where(later, (rng.random(n) * (updated - self.con_created)).astype(np.int64), 0)
        return _with_mask(_ts_text(self.con_created + offset), ~self.con_consent | (rng.random(n) < 0.05))

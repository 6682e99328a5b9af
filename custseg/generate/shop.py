"""Shop tables: orders (a buy-till-you-die purchase process) and their lines."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custseg.generate.common import _ids, _int_text, _iso_variant, _money_text, _pick, _take, _ts_text, _with_mask
from custseg.generate.core import GeneratorBase


class ShopTables(GeneratorBase):
    def build_orders(self) -> None:
        rng = self._rng("orders")
        buyers = np.flatnonzero(self.con_buyer)
        nb = len(buyers)
        first = self.con_created[buyers] + rng.exponential(25 * 86_400, nb).astype(np.int64)
        lam = rng.gamma(0.8, 1 / 60, nb) / 86_400  # purchases per second while alive
        drop = rng.beta(1.2, 4.0, nb)
        who, when = [], []
        t = first.astype(float)
        alive = t <= self.end
        idx = np.arange(nb)
        for _ in range(400):
            who.append(idx[alive])
            when.append(t[alive])
            alive &= rng.random(nb) > drop
            t = t + rng.exponential(1.0, nb) / np.maximum(lam, 1e-12)
            alive &= t <= self.end
            if not alive.any():
                break
        who_a = np.concatenate(who)
        when_a = np.concatenate(when).astype(np.int64)
        order_by = np.lexsort((when_a, who_a))
        who_a, when_a = who_a[order_by], when_a[order_by]
        contact = buyers[who_a]
        m = len(contact)
        self.con_orders = np.bincount(contact, minlength=self.n_contacts)
        last = np.zeros(self.n_contacts, dtype=np.int64)
        last[contact] = when_a  # sorted by time within a contact: the last write wins
        self.con_last_order = last
        # Gamma-Gamma spend: nu_i ~ Gamma(q, 1/gamma), spend ~ Gamma(p, 1/nu_i)
        nu = rng.gamma(4.0, 1 / 40.0, nb)
        spend_usd = rng.gamma(6.0, 1.0, m) / nu[who_a] * np.where(self.con_b2b[contact], 5.0, 1.0)
        age = self.end - when_a
        status = np.where(age < 5 * 86_400, rng.integers(0, 3, m), _pick(rng, [0.93, 0.045, 0.025], m) + 3)
        statuses = ["placed", "paid", "shipped", "completed", "refunded", "cancelled"]
        updated = when_a + np.where(status == 4, rng.integers(5, 30, m), rng.integers(0, 4, m)) * 86_400
        updated = np.minimum(updated + rng.integers(0, 3600, m), self.end)
        country = self.con_country[contact]
        currency = np.where(rng.random(m) < 0.85, country, len(self.country_codes))
        b2b = self.con_b2b[contact]
        account = np.where(b2b, self.con_account[contact], 0)
        no_contact = b2b & (rng.random(m) < 0.05)
        status_text = _take(statuses, status)
        status_text = pc.if_else(pa.array(rng.random(m) < 0.05), pc.utf8_upper(status_text), status_text)
        iso = rng.random(m) < 0.05
        self._variant("shop_orders", "iso_8601_timestamp", int(iso.sum()))
        orders = {
            "order_id": _ids("O", np.arange(1, m + 1)),
            "contact_id": _with_mask(self.con_ids.take(pa.array(contact)), no_contact),
            "account_id": _with_mask(self.acc_ids.take(pa.array(account)), ~b2b),
            "order_status": status_text,
            "currency": _take(self.currency_codes, currency),
            "ordered_at": _iso_variant(_ts_text(when_a), iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "_loaded_at": self._loaded(m),
        }
        # lines: preference for sustainable / subscription / favourite-category products
        n_lines = np.minimum(1 + rng.poisson(0.8, m), 5)
        line_order = np.repeat(np.arange(m), n_lines)
        k = len(line_order)
        lc = contact[line_order]
        u = rng.random(k)
        sust = np.flatnonzero(self.product_sustainable)
        subs = np.flatnonzero(self.product_subscription)
        by_cat = [np.flatnonzero(self.product_cat_idx == c) for c in range(len(self.categories))]
        product = rng.integers(0, len(self.product_ids), k)
        fav = self.con_fav_category[lc]
        fav_pick = np.empty(k, dtype=np.int64)
        for c, members in enumerate(by_cat):
            mask = fav == c
            fav_pick[mask] = members[rng.integers(0, len(members), int(mask.sum()))]
        product = np.where(u < 0.5, fav_pick, product)
        product = np.where(self.con_subscriber_affinity[lc] & (u < 0.45), subs[rng.integers(0, len(subs), k)], product)
        product = np.where(self.con_eco[lc] & (u < 0.7), sust[rng.integers(0, len(sust), k)], product)
        price_usd = self.product_price[product]
        qty = np.clip(np.round(spend_usd[line_order] / n_lines[line_order] / price_usd), 1, 12).astype(np.int64)
        fx = self.currency_fx[currency[line_order]]
        unit_price = np.round(price_usd * fx, 2)
        discounted = rng.random(k) < self.con_price_sensitivity[lc]
        discount = np.where(discounted, np.round(unit_price * qty * rng.uniform(0.05, 0.35, k), 2), 0.0)
        discount_text = _money_text(discount)
        no_discount_text = _take(["0", ""], (rng.random(k) < 0.3).astype(np.int64))
        discount_text = pc.if_else(pa.array(discounted), discount_text, no_discount_text)
        lines = {
            "order_line_id": _ids("L", np.arange(1, k + 1)),
            "order_id": orders["order_id"].take(pa.array(line_order)),
            "product_id": _take(self.product_ids, product),
            "product_category": _take(self.product_category_text, product),
            "quantity": self._text_number_variants(rng, _int_text(qty), qty, "shop_order_lines", rate=0.02),
            "unit_price": _money_text(unit_price),
            "discount_amount": discount_text,
            "_loaded_at": self._loaded(k),
        }
        valid_orders = [orders]
        if m:
            valid_orders += self._inject("shop_orders", orders)
        self._write_small("shop_orders", valid_orders, rng)
        valid_lines = [lines]
        if k:
            valid_lines += self._inject("shop_order_lines", lines)
        self._write_small("shop_order_lines", valid_lines, rng)

"""The event stream, generated and written in chunks of contacts so memory stays bounded."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from custseg import generate_reference as ref
from custseg.generate.common import (
    EVENT_CHUNK_ROWS,
    EVENT_TYPES,
    LATE_EVENT_RATE,
    TS,
    _concat,
    _date_text,
    _ids,
    _int_text,
    _pick,
    _TableWriter,
    _take,
)
from custseg.generate.core import GeneratorBase


class EventTables(GeneratorBase):
    def _event_rates(self, sl: slice, rng: np.random.Generator) -> np.ndarray:
        """Expected events per contact and type (before scaling), shape (contacts, len(EVENT_TYPES))."""
        n = sl.stop - sl.start
        act = self.con_activity[sl]
        consent = self.con_consent[sl].astype(float)
        acc = self.con_account[sl]
        uses = (acc >= 0) & (self.acc_usage_end[np.maximum(acc, 0)] > 0)
        open_rate = rng.beta(2, 5, n)
        click_rate = rng.beta(1.5, 8, n)
        rates = np.zeros((n, len(EVENT_TYPES)))
        rates[:, 0] = 14 * act
        rates[:, 1] = consent * 10 * (0.5 + 0.5 * act)
        rates[:, 2] = rates[:, 1] * open_rate
        rates[:, 3] = rates[:, 2] * click_rate * 3
        rates[:, 6] = (0.3 + 0.3 * self.con_max_stage[sl]) * act
        rates[:, 7] = uses * 30 * act
        rates[:, 8] = uses * 40 * act
        rates[:, 9] = uses * 0.8
        return rates

    def _url_vocab(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        vocab: list[str] = []
        index = np.zeros((len(ref.STAGE_URLS), 3, len(ref.TOPIC_SLUGS)), dtype=np.int64)
        probs = np.zeros((len(ref.STAGE_URLS), 3))
        for s, variants in enumerate(ref.STAGE_URLS):
            for v, (template, p) in enumerate(variants):
                probs[s, v] = p
                for t, slug in enumerate(ref.TOPIC_SLUGS):
                    url = template.replace("{slug}", slug).replace("{news}", ref.NEWS_SLUGS[t])
                    if url not in vocab:
                        vocab.append(url)
                    index[s, v, t] = vocab.index(url)
        return vocab, index, np.cumsum(probs, axis=1)

    def build_events(self, bar: tqdm) -> None:
        n = self.n_contacts
        vocab, url_index, url_cum = self._url_vocab()
        self.url_vocab = vocab
        pre = self._rng("event_scale")
        expected = self._event_rates(slice(0, n), pre).sum()
        scale = 0.92 * self.plan.events / max(expected, 1.0)
        anon_total = 0.08 * self.plan.events
        per_contact = self.plan.events / n
        chunk = max(1, int(EVENT_CHUNK_ROWS / per_contact))
        writer = _TableWriter(self.out_dir, "events")
        next_id = 1
        self.event_chunks = (n + chunk - 1) // chunk
        for ci, start in enumerate(range(0, n, chunk)):
            sl = slice(start, min(n, start + chunk))
            rng = self._rng("events", ci)
            cols, next_id = self._event_chunk(
                rng, sl, scale, anon_total * (sl.stop - sl.start) / n, url_index, url_cum, next_id
            )
            writer.write(cols)
            bar.update(1)
        self.row_counts["events"] = writer.close()

    def _urls(
        self, rng: np.random.Generator, stage: np.ndarray, topic: np.ndarray, url_index: np.ndarray, url_cum: np.ndarray
    ) -> np.ndarray:
        u = rng.random(len(stage))
        variant = (u[:, None] > url_cum[stage]).sum(axis=1).clip(0, 2)
        return url_index[stage, variant, topic]

    def _event_chunk(
        self,
        rng: np.random.Generator,
        sl: slice,
        scale: float,
        anon_expected: float,
        url_index: np.ndarray,
        url_cum: np.ndarray,
        next_id: int,
    ) -> tuple[dict[str, pa.Array], int]:
        m = sl.stop - sl.start
        rates = self._event_rates(sl, rng) * scale
        counts = rng.poisson(rates)
        counts[:, 4] = rng.random(m) < 0.03 * self.con_consent[sl]  # unsubscribes
        counts[:, 5] = (rng.random(m) < 0.02) * rng.integers(1, 3, m)  # bounces
        local = np.repeat(np.tile(np.arange(m), len(EVENT_TYPES)), counts.T.ravel())
        etype = np.repeat(np.arange(len(EVENT_TYPES)), counts.sum(axis=0))
        gidx = local + sl.start
        k = len(local)
        # time window per event: contact life, or the account's product usage window
        acc = np.maximum(self.con_account[gidx], 0)
        product = etype >= 7
        lo = np.where(product, np.maximum(self.acc_usage_start[acc], self.con_created[gidx]), self.con_created[gidx])
        hi = np.where(product, self.acc_usage_end[acc], self.end)
        lo = np.minimum(lo, hi)
        u = rng.random(k)
        t = lo + (u * (hi - lo)).astype(np.int64)
        # churn risk: product usage falls away during the last 60 days
        cutoff = self.end - 60 * 86_400
        risky = product & self.acc_churn_risk[acc] & (t > cutoff) & (lo < cutoff) & (rng.random(k) < 0.85)
        t = np.where(risky, lo + (rng.random(k) * (cutoff - lo)).astype(np.int64), t)
        # content: awareness stage grows over the contact's life, up to its maximum stage
        ms = self.con_max_stage[gidx]
        frac = (t - lo) / np.maximum(hi - lo, 1)
        stage = np.clip(np.floor(frac * (ms + 1) + rng.normal(0, 0.6, k)), 0, ms).astype(np.int64)
        stage = np.where(etype == 6, np.maximum(stage, 2), stage)
        topic = np.where(rng.random(k) < 0.7, self.con_topic[gidx], rng.integers(0, len(ref.TOPIC_SLUGS), k))
        url = self._urls(rng, stage, topic, url_index, url_cum)
        # anonymous visitors who never identify themselves
        n_anon = rng.poisson(anon_expected)
        visitors = max(1, m // 2)
        a_vis = rng.integers(0, visitors, n_anon) + (1 << 32) + sl.start
        a_t = self.history_start + (rng.random(n_anon) * (self.end - self.history_start)).astype(np.int64)
        a_stage = rng.integers(0, 3, n_anon)
        a_url = self._urls(rng, a_stage, rng.integers(0, len(ref.TOPIC_SLUGS), n_anon), url_index, url_cum)
        # assemble
        t_all = np.concatenate([t, a_t])
        occurred = t_all * 1_000_000 + rng.integers(0, 1_000_000, len(t_all))
        order = np.argsort(occurred, kind="stable")
        occurred = occurred[order]
        etype_all = np.concatenate([etype, np.zeros(n_anon, dtype=np.int64)])[order]
        gidx_all = np.concatenate([gidx, np.full(n_anon, -1)])[order]
        url_all = np.concatenate([url, a_url])[order]
        anon_num = np.concatenate([np.where(etype <= 0, self.con_anon_num[gidx], -1), a_vis])[order]
        anon_num = np.where(etype_all == 6, self.con_anon_num[np.maximum(gidx_all, 0)], anon_num)
        total = len(occurred)
        identified = rng.random(total) < 0.3
        has_contact = (gidx_all >= 0) & ((etype_all != 0) | identified)
        has_email = (etype_all >= 1) & (etype_all <= 6)
        lag = rng.exponential(4_000_000, total).astype(np.int64)
        late = rng.random(total) < LATE_EVENT_RATE
        lag = np.where(late, rng.integers(86_400, 5 * 86_400, total) * 1_000_000, lag)
        received = np.minimum(occurred + lag, self.loaded_us - 60_000_000)
        received = np.maximum(received, occurred)
        self._variant("events", "late_arriving", int((late & (received - occurred > 86_400_000_000)).sum()))
        safe = pa.array(np.maximum(gidx_all, 0))
        contact_id = pc.if_else(pa.array(has_contact), self.con_ids.take(safe), pa.scalar(None, pa.string()))
        email = pc.if_else(pa.array(has_email), self.con_email.take(safe), pa.scalar(None, pa.string()))
        anon_digits = pc.utf8_lpad(_int_text(np.maximum(anon_num, 0)), 11, "0")
        anonymous = pc.if_else(
            pa.array(anon_num >= 0), pc.binary_join_element_wise("anon_", anon_digits, ""), pa.scalar(None, pa.string())
        )
        url_text = _take(self.url_vocab, url_all)
        month = pc.utf8_slice_codeunits(_date_text(occurred // 1_000_000), 0, 7)
        campaign = pc.binary_join_element_wise('{"campaign":"newsletter-', month, '"', "")
        account_text = self.acc_ids.take(pa.array(np.maximum(self.con_account[np.maximum(gidx_all, 0)], 0)))
        feature = _take(ref.FEATURES, rng.integers(0, len(ref.FEATURES), total))
        priority = _take(
            [p for p, _ in ref.TICKET_PRIORITIES], _pick(rng, [w for _, w in ref.TICKET_PRIORITIES], total)
        )
        # bounces: hard (the address does not exist) or soft (a full mailbox, a server down)
        hard = self._rng("bounce_types", next_id).random(total) < 0.4
        bounce_type = _take(["soft", "hard"], hard.astype(np.int64))
        props_by_type = [
            pc.binary_join_element_wise('{"url":"', url_text, '"}', ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, ',"url":"', url_text, '?utm_medium=email"}', ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, ',"bounce_type":"', bounce_type, '"}', ""),
            pc.binary_join_element_wise('{"url":"', url_text, '"}', ""),
            pc.binary_join_element_wise('{"account_id":"', account_text, '"}', ""),
            pc.binary_join_element_wise('{"feature":"', feature, '","account_id":"', account_text, '"}', ""),
            pc.binary_join_element_wise('{"ticket_priority":"', priority, '","account_id":"', account_text, '"}', ""),
        ]
        properties = props_by_type[0]
        for code in range(1, len(EVENT_TYPES)):
            properties = pc.if_else(pa.array(etype_all == code), props_by_type[code], properties)
        clean = {
            "event_id": _ids("E", np.arange(next_id, next_id + total)),
            "occurred_at": pa.array(occurred, TS),
            "received_at": pa.array(received, TS),
            "contact_id": contact_id,
            "email": email,
            "anonymous_id": anonymous,
            "event_type": _take(EVENT_TYPES, etype_all),
            "properties": properties,
        }
        next_id += total
        parts = [clean]
        if total:
            parts += self._dirty_events(clean, received, has_contact, etype_all)
        cols = _concat(parts)
        order = pa.array(np.argsort(cols["received_at"].to_numpy(zero_copy_only=False), kind="stable"))
        return {c: a.take(order) for c, a in cols.items()}, next_id

    def _dirty_events(
        self, clean: dict[str, pa.Array], received: np.ndarray, has_contact: np.ndarray, etype: np.ndarray
    ) -> list[dict[str, pa.Array]]:
        web = np.flatnonzero(etype == 0)
        emails = np.flatnonzero(has_contact & (etype >= 1) & (etype <= 5))
        return self._inject("events", clean, {"page_views": web, "email_events_with_contact": emails})

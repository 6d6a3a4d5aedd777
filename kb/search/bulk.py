"""The segment writer of a full rebuild: Whoosh 2.7.4's SegmentWriter, same bytes, less work.

Whoosh's SegmentWriter puts every posting of a segment into a sorting pool as a tuple
(field, term, document, weight, value), sorts them all at commit, then reads each
document's field length back from the column file it has just written, once per posting.
The pool counts ~180 bytes a posting (about 300 postings a document here); past
`limitmb` it spills sorted runs to temporary files and merges them back in Python, which
is why a 100 000-document rebuild (segments of 10 000 to 40 000 documents, 3 to 12
million postings) indexed fewer documents a second than one of 10 000. Here a rebuild
adds documents in order, so:

- postings are kept per field and term, already in document order (document numbers,
  weights and values in flat arrays, equal values shared: ~35 bytes a posting, never a
  temporary file); at commit only the terms are sorted;
- field lengths are kept in memory as the length column stores them (one byte);
- text analysed by a FusedChain (kb/search/analysis.py) into Positions or Frequency
  postings is turned into (term, frequency, weight, value) in one loop, without Token
  objects and Whoosh's generator per step (`_index`);
- each term's postings are handed to Whoosh's postings writer a block at a time
  instead of one call (and one assertion set) per posting.

The segment files are byte for byte those of SegmentWriter (tests/search/test_bulk.py
builds both and compares them). Only what this project's schema uses is supported:
term vectors and separate spelling fields raise NotImplementedError. Whoosh is pinned
(2.7.4) and this relies on its writer internals; the test is what catches a change.
"""
from __future__ import annotations

from array import array
from collections import Counter
from itertools import pairwise

from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec
from whoosh.compat import dumps
from whoosh.fields import FieldType
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter


class BulkSegmentWriter(SegmentWriter):
    """A writer for one new segment of documents added in order (a rebuild); commit with merge=False."""

    def __init__(self, ix, **kwargs):
        codec = kwargs.get("codec")
        if codec is not None and type(codec) is not W3Codec:
            raise NotImplementedError(f"codec {type(codec).__name__}")
        for name, field in ix.schema.items():
            if field.vector or field.separate_spelling():
                raise NotImplementedError(f"field {name!r}: term vectors or a separate spelling field")
        super().__init__(ix, **kwargs)
        # field name → {term bytes → (document numbers, weights, values)}
        self._postings: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        # field name → length of the field in each document as the length column holds it
        # (0: none); only for fields that store lengths (scorable).
        self._lengths: dict[str, array] = {}
        self._values: dict[bytes, bytes] = {}  # one object per distinct posting value

    def add_document(self, **fields):
        # SegmentWriter.add_document with the postings kept per term (see the module docstring).
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        postings = self._postings
        shared = self._values

        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]

            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                scorable = field.scorable
                terms = postings.get(fieldname)
                if terms is None:
                    terms = postings[fieldname] = {}
                for tbytes, freq, weight, vbytes in _index(field, value):
                    weight *= fieldboost
                    if scorable:
                        length += freq
                    entry = terms.get(tbytes)
                    if entry is None:
                        entry = terms[tbytes] = (array("I"), array("d"), [])
                    elif entry[0][-1] == docnum:
                        # The pool would order one document's repeats by weight and value; no
                        # Whoosh format yields a term twice for one value, so this never runs.
                        raise NotImplementedError(f"term {tbytes!r} twice in field {fieldname!r} of one document")
                    if vbytes is None:
                        vbytes = b""
                    entry[0].append(docnum)
                    entry[1].append(weight)
                    entry[2].append(shared.setdefault(vbytes, vbytes))
                if scorable:
                    lengths = self._lengths.get(fieldname)
                    if lengths is None:
                        lengths = self._lengths[fieldname] = array("I")
                    lengths.extend([0] * (docnum + 1 - len(lengths)))
                    lengths[docnum] = byte_to_length(length_to_byte(length)) if length else 0

            customval = fields.get("_stored_%s" % fieldname, value)
            sv = customval if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)

            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        # SegmentWriter._flush_segment + FieldWriter.add_postings over the kept postings:
        # fields by name, terms by bytes, documents in order, as the sorted pool yields them.
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        schema = self.schema
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            if not terms:
                continue
            fieldwriter.start_field(fieldname, schema[fieldname])
            postwriter = fieldwriter._postwriter
            limit = postwriter._blocklimit
            # Values pickled as a tuple (not joined, not dropped) must be separate objects.
            fixed = schema[fieldname].format.fixed_value_size()
            separate = fixed is None or fixed < 0
            lengths = self._lengths.get(fieldname)
            for tbytes in sorted(terms):
                docnums, weights, values = terms.pop(tbytes)
                fieldwriter.start_term(tbytes)
                n = len(docnums)
                for start in range(0, n, limit):
                    end = min(start + limit, n)
                    if start:
                        postwriter._write_block()  # the buffered block is full and more follow
                    ids = docnums[start:end]
                    _fill_block(postwriter, ids, weights[start:end], values[start:end], separate,
                                None if lengths is None else [lengths[d] for d in ids])
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        self._postings.clear()
        self._values.clear()
        fieldwriter.close()


def _fill_block(postwriter, docnums: array, weights: array, values: list, separate: bool, lengths: list | None) -> None:
    """Set W3PostingsWriter's buffered block as add_posting() would leave it after these postings."""
    postwriter._ids = docnums
    postwriter._weights = array("f", weights)
    values = [v for v in values if v]
    if separate and len(set(map(id, values))) < len(values):
        values = _distinct(values)
    postwriter._values = values
    # add_posting keeps the first of equal maxima (strictly greater replaces), starting from 0.
    top = max(weights)
    postwriter._maxweight = top if top > 0 else 0
    nonzero = [n for n in lengths if n] if lengths is not None else None
    postwriter._minlength = min(nonzero) if nonzero else None
    postwriter._maxlength = max(nonzero) if nonzero else 0


def _index(field, value):
    """What `field.index(value)` yields, as a list; computed in one loop for Positions and
    Frequency postings of a FusedChain (the same values, see Positions/Frequency.word_values:
    a term's weight is the sum of its tokens' boosts, all 1.0, times the format's boost)."""
    fmt = field.format
    analyzer = field.analyzer
    if type(field).index is FieldType.index and isinstance(value, str):
        kind = type(fmt)
        if kind is formats.Positions and hasattr(analyzer, "term_positions"):
            positions = analyzer.term_positions(value)
            if positions is not None:
                boost = fmt.field_boost
                out = []
                for text, poslist in positions.items():
                    n = len(poslist)
                    # Positions.encode: the count, then the pickled gaps between positions.
                    deltas = poslist if n == 1 else [poslist[0]] + [b - a for a, b in pairwise(poslist)]
                    out.append((text.encode("utf-8"), n, float(n) * boost, pack_uint(n) + dumps(deltas, 2)))
                return out
        elif kind is formats.Frequency and hasattr(analyzer, "terms"):
            terms = analyzer.terms(value)
            if terms is not None:
                boost = fmt.field_boost
                return [(text.encode("utf-8"), n, float(n) * boost, pack_uint(n)) for text, n in Counter(terms).items()]
    return list(field.index(value))


def _distinct(values: list) -> list:
    """The values as separate objects, like the fresh ones each add_document made: a block
    is pickled, and pickle writes an object met twice as a reference to the first."""
    seen: set[int] = set()
    add = seen.add
    return [bytes(memoryview(v)) if id(v) in seen else add(id(v)) or v for v in values]

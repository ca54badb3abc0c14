/* SPDX-License-Identifier: MIT */
#pragma once

/* Node records: what a reader got out of a master source, before mapping. Each record is one
 * entity (a person, a biobank, a collection, ...) with its fields as written: raw values,
 * local or full ids, labels in any language. Readers (YAML master, later MIABIS XML and CSV
 * folders) produce records; the mapping turns them into dataset rows. */

#include "findings.h"

typedef struct RecordField {
        const char *name;       /* master field name as written */
        const char **values;    /* n_values raw values; a scalar has one */
        size_t n_values;
        bool is_list;           /* written as a list */
        bool inherited;         /* copied from the enclosing biobank/collection */
        size_t length;          /* a single value's length when the reader knew it; 0: not known */
        Location location;      /* where the value was written (for inherited: in the parent) */
} RecordField;

typedef struct Record {
        const char *table;      /* Directory table: "Persons", "Biobanks", "Collections", ... */
        const char *id;         /* as written: local or full */
        Location location;      /* where the record starts */
        RecordField *fields;
        size_t n_fields, allocated;
        bool ascii;             /* the reader knows its id and values are ASCII (so already NFC) */
} Record;

/* Where a reader may hand a complete record instead of keeping it in the set; the record and
 * its strings are only valid during the call. */
typedef int (*RecordSink)(void *userdata, const Record *r);

typedef struct RecordSet {
        char *node;             /* node code from the master ("BE"), or NULL when not given;
                                 * malloc()ed and freed with the set: set it with record_set_set_node() */
        Record **records;       /* in reading order */
        size_t n_records, allocated;
        char **files;           /* every file read (owned strings that Locations point into) */
        StrMap *names;          /* table and field names, stored once (they repeat on every record) */
        const char *name_cache[16][2]; /* recently interned: pointer as given -> stored copy */
        unsigned name_cache_next;
        Arena arena;            /* records and their values */
        Arena names_arena;      /* interned names: outlive a release */
        RecordSink sink;        /* NULL: every record is kept in the set */
        void *sink_userdata;
} RecordSet;

int record_set_new(RecordSet **ret);
RecordSet *record_set_free(RecordSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(RecordSet, record_set_free);

/* Readers of bulk rows (fact CSV files) hand their records to the sink rather than storing them;
 * NULL keeps them all in the set. */
void record_set_set_sink(RecordSet *s, RecordSink sink, void *userdata);

/* Readers that hand whole entities to the sink: mark, add the entity's records, then
 * record_set_sink_since() hands them over in order and record_set_release() forgets them (and
 * their memory) again. Names and files stay. */
typedef struct RecordSetMark {
        ArenaMark arena;
        size_t n_records;
} RecordSetMark;
RecordSetMark record_set_mark(const RecordSet *s);
int record_set_sink_since(RecordSet *s, const RecordSetMark *mark);
void record_set_release(RecordSet *s, const RecordSetMark *mark);
/* Readers that build a record of their own (its strings borrowed, valid during the call) hand it
 * to the sink with this, never storing it in the set; without a sink it is ignored. */
int record_set_sink_record(RecordSet *s, const Record *r);

/* Sets (a copy of) the node code; NULL unsets it. */
int record_set_set_node(RecordSet *s, const char *node);

/* Interns a file name in the set; the returned pointer lives as long as the set, and the same
 * path always gives the same pointer. NULL on OOM. */
const char *record_set_intern_file(RecordSet *s, const char *path);

/* Adds a record (table and id are copied; id may be NULL when the source gave none). loc may be
 * NULL. Records and their strings live in the set's arena. */
int record_set_add(RecordSet *s, const char *table, const char *id, const Location *loc, Record **ret);
/* Adds a field to a record (name and values are copied; a NULL value stays NULL, for a null item
 * in a list). loc may be NULL. */
int record_add_field(RecordSet *s, Record *r, const char *name, const char *const *values, size_t n_values,
                     bool is_list, bool inherited, const Location *loc);
/* The same without copying: name and the value strings must stay as they are until the record is
 * released (a reader whose set hands each record to a sink at once, the strings in its buffer:
 * copying every value of 400,000 rows only to drop it after the sink was a tenth of the read). */
int record_add_field_borrowed(RecordSet *s, Record *r, const char *name, const char *const *values,
                              size_t n_values, bool is_list, bool inherited, const Location *loc);
/* Adds a copy of a record (table, id, fields and values copied), as record_set_add() and
 * record_add_field() would. */
int record_set_add_copy(RecordSet *s, const Record *r);
/* The first field of that name, or NULL. */
const RecordField *record_get_field(const Record *r, const char *name);
/* Makes room for n more fields (readers that know how many avoid regrowing). */
int record_reserve_fields(RecordSet *s, Record *r, size_t n);

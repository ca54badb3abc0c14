/* SPDX-License-Identifier: MIT */
#pragma once

/* The quality check families quality.c runs: one line per family file. */

#include "quality-internal.h"

extern const QualityFamily quality_family_existence;
extern const QualityFamily quality_family_ids;
extern const QualityFamily quality_family_access;
extern const QualityFamily quality_family_covid;
extern const QualityFamily quality_family_contacts;
extern const QualityFamily quality_family_contact_reuse;
extern const QualityFamily quality_family_member_areas;
extern const QualityFamily quality_family_fields;
extern const QualityFamily quality_family_content;
extern const QualityFamily quality_family_orphanet;
extern const QualityFamily quality_family_facts;
extern const QualityFamily quality_family_partitioning;
extern const QualityFamily quality_family_membership;
extern const QualityFamily quality_family_cohorts;
extern const QualityFamily quality_family_text;

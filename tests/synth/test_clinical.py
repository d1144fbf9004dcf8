"""Case mix, imaging, history, procedure-day records and outcomes match the seeding numbers
of DOMAIN.md §5 and §7 within sampling error (2,000 patients)."""

import json

import numpy as np
import pandas as pd

from tests.synth.conftest import TODAY


def test_case_mix(cohort):
    patients = cohort["patients.patient"]
    episodes = cohort["episodes.episode"]
    assert 0.12 < (patients["language"] == "es").mean() < 0.18
    assert 0.47 < (patients["sex"] == "female").mean() < 0.57
    assert 0.65 < (episodes["condition"] == "discogenic").mean() < 0.75
    assert 0.52 < (episodes["kind"] == "bmac").mean() < 0.62
    disc = episodes[episodes["condition"] == "discogenic"]["kind"]
    facet = episodes[episodes["condition"] == "facet"]["kind"]
    assert set(disc) <= {
        "bmac",
        "esi_interlaminar",
        "esi_transforaminal",
        "prp",
        "conservative",
        "surgery",
    }
    assert set(facet) <= {"bmac", "facet_steroid", "mbb", "rfa", "conservative"}
    assert 0 < patients["deceased_date"].notna().mean() < 0.02
    assert 0.01 < patients["withdrawn_date"].notna().mean() < 0.08
    enrolled = pd.to_datetime(patients["enrolled_date"].astype(str))
    assert enrolled.min() >= pd.Timestamp(TODAY) - pd.Timedelta(days=6 * 366)


def test_levels_and_findings(cohort):
    diagnoses = cohort["patients.diagnosis"]
    per_patient = diagnoses.groupby("patient_id").size()
    assert set(per_patient) == {1, 2}
    assert diagnoses["level"].isin(["L4-L5", "L5-S1"]).mean() > 0.7
    findings = cohort["patients.discfinding"].merge(
        cohort["patients.imagingstudy"], left_on="imaging_id", right_on="id"
    )
    diagnostic = findings[findings["timepoint"] == ""]
    condition = diagnostic["patient_id"].map(diagnoses.groupby("patient_id")["condition"].first())
    disc = diagnostic[condition == "discogenic"]
    assert disc["pfirrmann_grade"].between(3, 5).mean() > 0.85
    assert 0.30 < disc["hiz"].mean() < 0.46
    assert diagnostic.loc[condition == "facet", "facet_arthropathy"].all()
    heights = disc.groupby("pfirrmann_grade")["disc_height_middle_mm"].mean()
    assert heights.is_monotonic_decreasing
    assert (findings["hiz_location"] != "").eq(findings["hiz"].astype(bool)).all()


def test_facet_patients_had_two_blocks_with_more_than_half_relief(cohort):
    diagnoses = cohort["patients.diagnosis"].groupby("patient_id")["condition"].first()
    blocks = cohort["patients.priorprocedure"]
    blocks = blocks[blocks["kind"] == "mbb"]
    facet_patients = diagnoses[diagnoses == "facet"].index
    facet_blocks = blocks[blocks["patient_id"].isin(facet_patients)]
    two = facet_blocks.groupby("patient_id").size()
    assert (two == 2).sum() / len(facet_patients) > 0.75
    assert (facet_blocks["relief_percent"] > 50).all()
    disc_blocks = blocks[~blocks["patient_id"].isin(facet_patients)]
    assert (disc_blocks["relief_percent"] < 50).all()


def test_most_had_supervised_physical_therapy_for_6_weeks_or_more(cohort):
    care = cohort["patients.conservativecare"]
    therapy = care[care["kind"] == "physical_therapy"]
    assert therapy["supervised"].all()
    assert (therapy["duration_weeks"] >= 6).all()
    share = therapy["patient_id"].nunique() / len(cohort["patients.patient"])
    assert share > 0.85


def test_harvest_processing_and_injection_follow_each_other_on_the_index_day(cohort):
    episodes = cohort["episodes.episode"].set_index("id")
    harvest = cohort["episodes.harvest"].set_index("episode_id")
    processing = cohort["episodes.processing"].set_index("episode_id")
    product = cohort["episodes.product"].set_index("episode_id")
    injections = cohort["episodes.injection"]
    bmac = injections[injections["episode_id"].isin(harvest.index)]
    first = bmac.groupby("episode_id")["injected_at"].min()
    assert (
        bmac["injected_at"].to_numpy() > harvest.loc[bmac["episode_id"], "harvested_at"].to_numpy()
    ).all()
    assert (processing["started_at"] > harvest.loc[processing.index, "harvested_at"]).all()
    assert (processing["ended_at"] > processing["started_at"]).all()
    assert (product["labelled_at"] >= processing.loc[product.index, "ended_at"]).all()
    assert (product["used_at"] == first.loc[product.index]).all()
    assert (product["used_at"] < product["expires_at"]).all()
    day = harvest["harvested_at"].dt.date.astype(str)
    assert (day == episodes.loc[harvest.index, "index_date"].astype(str)).all()
    assert (harvest["site"] == "posterior_iliac_crest").all()
    assert harvest["aspirate_volume_ml"].between(30, 120).all()
    assert set(harvest["anticoagulant"]) == {"heparin", "ACD-A"}


def test_disc_patients_get_2_ml_per_disc_and_facet_patients_both_joints(cohort):
    episodes = cohort["episodes.episode"].set_index("id")
    injections = cohort["episodes.injection"]
    bmac = injections[injections["episode_id"].map(episodes["kind"]) == "bmac"]
    condition = bmac["episode_id"].map(episodes["condition"])
    disc = bmac[condition == "discogenic"]
    assert (disc["approach"] == "intradiscal").all()
    assert (disc["volume_ml"] == 2.0).all()
    facet = bmac[condition == "facet"]
    assert (facet["approach"] == "facet").all()
    sides = facet.groupby(["episode_id", "level"])["side"].apply(frozenset)
    assert (sides == frozenset({"left", "right"})).all()
    assert (injections["guidance"] == "fluoroscopy").mean() > 0.8
    volume = cohort["episodes.processing"].set_index("episode_id")["concentrate_volume_ml"]
    injected = bmac.groupby("episode_id")["volume_ml"].sum()
    assert (volume.loc[injected.index] >= injected).all()


def test_concentrate_is_richer_than_aspirate_at_the_published_means(cohort):
    composition = cohort["episodes.composition"]
    wide = composition.pivot(index="processing_id", columns="fraction")
    for measure in ("tnc_per_ml", "cfu_f_per_ml", "cd34_per_ml", "platelets_per_ml"):
        assert (wide[(measure, "concentrate")] > wide[(measure, "aspirate")]).all(), measure
    assert (
        wide[("hematocrit_percent", "concentrate")] < wide[("hematocrit_percent", "aspirate")]
    ).all()
    concentrate = composition[composition["fraction"] == "concentrate"]
    aspirate = composition[composition["fraction"] == "aspirate"]
    assert 110e6 < concentrate["tnc_per_ml"].mean() < 132e6  # Pettine 2015: 121
    assert 28e6 < aspirate["tnc_per_ml"].mean() < 34e6  # Everts: 28.6–33.5
    assert 2400 < concentrate["cfu_f_per_ml"].mean() < 3000  # Pettine: 2,713
    assert 1.5e6 < concentrate["cd34_per_ml"].mean() < 2.1e6  # Pettine 2017: 1.82
    assert composition["viability_percent"].between(85, 100).all()
    volume = cohort["episodes.processing"]["concentrate_volume_ml"]
    aspirate_ml = cohort["episodes.harvest"]["aspirate_volume_ml"]
    assert 0.08 < volume.sum() / aspirate_ml.sum() < 0.13


def _odi_change(cohort):
    responses = cohort["outcomes.questionnaireresponse"]
    odi = responses[
        (responses["instrument_id"] == "odi-2.1a") & ~responses["out_of_window"].astype(bool)
    ]
    odi = odi.merge(
        cohort["episodes.episode"][["id", "kind", "condition"]],
        left_on="episode_id",
        right_on="id",
    )
    baseline = odi[odi["timepoint"] == "baseline"].set_index("episode_id")["value"]
    odi = odi[odi["episode_id"].isin(baseline.index)].copy()
    odi["baseline"] = odi["episode_id"].map(baseline)
    odi["change"] = odi["value"] - odi["baseline"]
    return odi, baseline


def test_bmac_disc_improves_by_3_months_and_then_holds(cohort):
    odi, baseline = _odi_change(cohort)
    assert 44 < baseline.mean() < 57
    assert 12 < baseline.std() < 19
    bmac = odi[(odi["kind"] == "bmac") & (odi["condition"] == "discogenic")]
    change = bmac.groupby("timepoint")["change"].mean()
    assert -31 < change["3mo"] < -20
    assert abs(change["12mo"] - change["3mo"]) < 4
    late = bmac[bmac["timepoint"].isin(["6mo", "12mo"])]
    responders = (late["change"] / late["baseline"] <= -0.5).mean()
    assert 0.25 < responders < 0.58
    facet = odi[(odi["kind"] == "bmac") & (odi["condition"] == "facet")]
    assert facet.loc[facet["timepoint"] == "12mo", "change"].mean() > change["12mo"]


def test_steroid_relief_fades_and_rfa_lasts_about_a_year(cohort):
    odi, _ = _odi_change(cohort)
    esi = odi[odi["kind"].str.startswith("esi")].groupby("timepoint")["change"].mean()
    assert esi["6wk"] < -8
    assert esi["12mo"] > esi["6wk"] + 6
    rfa = odi[odi["kind"] == "rfa"].groupby("timepoint")["change"].mean()
    assert rfa["12mo"] < -10
    assert rfa["24mo"] > rfa["12mo"] + 6


def test_richer_concentrate_and_younger_age_improve_more(cohort):
    """Pettine 2015: > 2,000 CFU-F/mL and younger patients did better."""
    odi, _ = _odi_change(cohort)
    late = odi[(odi["kind"] == "bmac") & odi["timepoint"].isin(["6mo", "12mo"])]
    processing = cohort["episodes.processing"][["id", "episode_id"]]
    composition = cohort["episodes.composition"]
    concentrate = composition[composition["fraction"] == "concentrate"].merge(
        processing, left_on="processing_id", right_on="id"
    )
    cfu = late["episode_id"].map(concentrate.set_index("episode_id")["cfu_f_per_ml"])
    rich = cfu > 2000
    assert late.loc[rich, "change"].mean() < late.loc[~rich, "change"].mean() - 2


def test_adverse_events_are_consistent_and_at_published_rates(cohort):
    events = cohort["outcomes.adverseevent"]
    criteria = events[
        [
            "results_in_death",
            "life_threatening",
            "hospitalisation",
            "disability",
            "medically_important",
        ]
    ].any(axis=1)
    assert (events["serious"] == criteria).all()
    assert (events.loc[events["code"] == "discitis", "serious"]).all()
    assert events["severity_grade"].between(1, 5).all()
    resolved = events.dropna(subset=["resolved_date"])
    assert (resolved["resolved_date"] >= resolved["onset_date"]).all()
    episodes = cohort["episodes.episode"].set_index("id")
    assert (
        events["onset_date"].to_numpy()
        >= episodes.loc[events["episode_id"], "index_date"].to_numpy()
    ).all()
    bmac_count = len(cohort["episodes.harvest"])
    anemia = (events["code"] == "anemia").sum() / bmac_count
    assert 0.01 < anemia < 0.06  # Hernigou 2014: 3.1%
    harvest_related = events[events["related_harvest"].isin(["possible", "probable", "definite"])]
    assert harvest_related["episode_id"].isin(cohort["episodes.harvest"]["episode_id"]).all()
    catalogue = {
        "harvest_site_pain", "harvest_hematoma", "harvest_infection", "harvest_neuralgia",
        "anemia", "post_injection_flare", "discitis", "nerve_injury", "disc_herniation",
        "vasovagal", "allergic_reaction",
    }  # fmt: skip
    assert set(events["code"]) <= catalogue


def test_reinterventions_follow_the_index_date_at_published_rates(cohort):
    episodes = cohort["episodes.episode"].dropna(subset=["index_date"]).set_index("id")
    repeats = cohort["episodes.reintervention"]
    index = episodes.loc[repeats["episode_id"], "index_date"].to_numpy()
    assert (repeats["procedure_date"].to_numpy() > index).all()
    followed = episodes[
        pd.to_datetime(episodes["index_date"].astype(str))
        < pd.Timestamp(TODAY) - pd.Timedelta(days=1095)
    ]
    first = repeats.groupby("episode_id")["procedure_date"].min()
    days = (
        pd.to_datetime(first.astype(str))
        - pd.to_datetime(episodes.loc[first.index, "index_date"].astype(str))
    ).dt.days

    def share_by_3_years(kind: str, condition: str) -> float:
        group = followed[(followed["kind"] == kind) & (followed["condition"] == condition)].index
        hit = days.reindex(group).le(1095)
        return float(hit.mean())

    assert 0.08 < share_by_3_years("bmac", "discogenic") < 0.26
    steroid = followed[followed["kind"].str.startswith("esi")].index
    assert days.reindex(steroid).le(1095).mean() > 0.4
    assert np.isin(
        repeats["kind"],
        [
            "surgery",
            "bmac",
            "esi_transforaminal",
            "esi_interlaminar",
            "prp",
            "rfa",
            "facet_steroid",
            "mbb",
        ],
    ).all()
    assert json.dumps(sorted(set(repeats["kind"])))

"""The public surface of glasscredit.model is curated: this test pins it."""

from __future__ import annotations

import glasscredit.model as model


def test_exported_members_are_pinned() -> None:
    assert sorted(model.__all__) == sorted(
        [
            "FOUR_FIFTHS",
            "Candidate",
            "FairFit",
            "GERMAN_CREDIT_PROTECTED",
            "GERMAN_CREDIT_TARGET",
            "INTERVAL_METHODS",
            "MIN_GROUP_SIZE",
            "MonitorReport",
            "MonitorSettings",
            "ModelDocument",
            "Scaling",
            "ScorecardClassifier",
            "Shift",
            "approve_top",
            "auc_gini_ks",
            "balancing_weights",
            "binned_psi",
            "audit",
            "audit_over_time",
            "calibration_table",
            "card_html",
            "card_markdown",
            "card_plots",
            "characteristic_stability",
            "evaluate",
            "explain_rows",
            "fair_fit",
            "fit_additive",
            "fit_performance",
            "frame_fingerprint",
            "group_labels",
            "iv_strength",
            "load_german_credit",
            "load_model",
            "model_document",
            "monitor_scores",
            "monitoring_settings",
            "pav",
            "period_population",
            "population_shift",
            "psi",
            "reference_edges",
            "report_html",
            "save_model",
            "scaling_from_pdo",
            "score_psi",
            "score_table",
            "sql_case",
            "sql_score_expression",
            "stability",
            "table_points",
            "to_json",
            "to_sql",
            "woe_iv",
        ]
    )
    for name in model.__all__:
        assert getattr(model, name) is not None


def test_german_credit_ships_with_its_licence_note() -> None:
    df = model.load_german_credit()
    assert df.shape == (1000, 21)
    assert (df.get_column("creditability") == "bad").sum() == 300
    from importlib import resources

    readme = resources.files("glasscredit.data").joinpath("README.md").read_text()
    assert "CC BY 4.0" in readme and "MIT" in readme

"""The reference runtime's surface, written out from its inventory (never taken from btcore).

``MODULES``: submodule -> names it defines. ``MEMBERS``: ``"submodule.Class"`` -> the public and
engine-used private members. ``SIGNATURES``: callable -> its reference parameter names in order
(``*`` marks where keyword-only parameters may follow; btcore may add optional parameters at the
end, never before or between the reference's).
"""

from __future__ import annotations

PACKAGE_ALL = """
Bar FeatureSnapshot ExchangeState RuntimeSnapshot HistoryConfig DEFAULT_HISTORY_CONFIG FeedStore
MultiTFFeedStore RuntimeSnapshotView TFContext IndicatorMetadata canonicalize_params
compute_feature_spec_id find_first_valid_idx get_pandas_ta_version get_code_version
validate_metadata_coverage validate_feature_spec_ids MetadataValidationResult export_metadata_jsonl
export_metadata_json export_metadata_csv PreflightStatus GapInfo TFPreflightResult PreflightReport
ToolCallRecord AutoSyncConfig AutoSyncResult parse_tf_to_minutes calculate_warmup_start
validate_tf_data run_preflight_gate QuoteState QUOTE_KEYS quote_to_packet_dict ExecRollupBucket
ROLLUP_KEYS create_empty_rollup_dict SignalStateValue ActionStateValue GateCode GateResult
GATE_CODE_DESCRIPTIONS SignalState transition_signal_state reset_signal_state ActionState
transition_action_state reset_action_state GateContext evaluate_gates BlockState create_block_state
reset_block_state StateTracker StateTrackerConfig create_state_tracker
""".split()

MODULES = {
    "types": "HistoryConfig DEFAULT_HISTORY_CONFIG Bar FeatureSnapshot ExchangeState RuntimeSnapshot "
             "create_not_ready_feature_snapshot",
    "timeframe": "tf_duration tf_minutes validate_tf_mapping get_supported_timeframes ceil_to_tf_close TF_MINUTES",
    "feed_store": "FeedStore MultiTFFeedStore",
    "snapshot_view": "TFContext RuntimeSnapshotView",
    "cache": "TimeframeCache build_close_ts_map build_close_ts_map_from_df",
    "snapshot_builder": "SnapshotBuilder build_exchange_state_from_exchange",
    "quote_state": "QuoteState QUOTE_KEYS quote_to_packet_dict",
    "rollup_bucket": "ROLLUP_KEYS ExecRollupBucket create_empty_rollup_dict",
    "state_types": "SignalStateValue ActionStateValue GateCode GateResult GATE_CODE_DESCRIPTIONS SignalState ActionState",
    "signal_state": "SignalState SIGNAL_TRANSITIONS transition_signal_state reset_signal_state",
    "action_state": "ActionState ACTION_TRANSITIONS transition_action_state reset_action_state",
    "gate_state": "GateContext evaluate_gates evaluate_warmup_gate evaluate_margin_gate",
    "block_state": "BlockState create_block_state reset_block_state",
    "state_tracker": "StateTrackerConfig StateTracker create_state_tracker",
    "windowing": "DEFAULT_HTF_SAFETY_CLOSES DEFAULT_MTF_SAFETY_CLOSES DEFAULT_TAIL_LTF_BARS "
                 "DEFAULT_TAIL_FUNDING_INTERVALS FUNDING_INTERVAL_HOURS WarmupConfig LoadWindow compute_warmup_bars "
                 "compute_warmup_span compute_safety_buffer_span compute_tail_buffer_span compute_load_window "
                 "compute_simple_load_window DataWindow compute_data_window compute_warmup_start_simple",
    "data_health": "FUNDING_INTERVAL_TOLERANCE GapRange CoverageInfo SanityIssue DataHealthReport DataHealthCheck",
    "preflight": "PreflightStatus ToolCallRecord AutoSyncConfig AutoSyncResult GapInfo TFPreflightResult "
                 "PreflightReport DataLoader parse_tf_to_minutes calculate_warmup_start validate_tf_data "
                 "run_preflight_gate EARLIEST_BYBIT_DATE_YEAR EARLIEST_BYBIT_DATE_MONTH",
    "indicator_metadata": "IndicatorMetadata canonicalize_params compute_feature_spec_id find_first_valid_idx "
                          "get_pandas_ta_version get_code_version validate_metadata_coverage "
                          "validate_feature_spec_ids MetadataValidationResult export_metadata_jsonl "
                          "export_metadata_json export_metadata_csv",
}
MODULES = {k: v.split() for k, v in MODULES.items()}

MEMBERS = {
    "types.HistoryConfig": "bars_exec_count features_exec_count features_htf_count features_mtf_count "
                           "requires_history to_dict",
    "types.Bar": "symbol tf ts_open ts_close open high low close volume turnover to_dict from_dict",
    "types.FeatureSnapshot": "tf ts_close bar features ready not_ready_reason features_computed_at is_stale_at to_dict",
    "types.ExchangeState": "equity_usdt cash_usdt used_margin_usdt free_margin_usdt available_balance_usdt "
                           "maintenance_margin_usdt has_position position_side position_size_usdt position_qty "
                           "position_entry_price unrealized_pnl_usdt entries_disabled entries_disabled_reason to_dict",
    "types.RuntimeSnapshot": "ts_close symbol exec_tf mark_price mark_price_source bar_exec exchange_state features_htf "
                             "features_mtf features_exec tf_mapping history_bars_exec history_features_exec "
                             "history_features_htf history_features_mtf history_config history_ready ltf_tf bar_ltf "
                             "features_ltf ready not_ready_reasons htf_is_stale mtf_is_stale exec_is_stale "
                             "htf_ctx_ts_close mtf_ctx_ts_close exec_ctx_ts_close prev_features_exec prev_bar_exec "
                             "prev_features_htf prev_features_mtf to_dict",
    "feed_store.FeedStore": "tf symbol ts_open ts_close open high low close volume indicators indicator_metadata "
                            "structures length warmup_bars indicator_keys get_ts_close_datetime get_ts_open_datetime "
                            "is_close_at get_idx_at_ts_close get_last_closed_idx_at_or_before _get_ts_close_ms_at "
                            "get_1m_indices_for_exec get_structure_field has_structure get_structure_fields "
                            "get_zone_field has_zone get_zone_fields from_dataframe from_dataframe_with_features",
    "feed_store.MultiTFFeedStore": "exec_feed htf_feed mtf_feed tf_mapping get_feed",
    "snapshot_view.TFContext": "feed current_idx ready not_ready_reason ts_close ts_open get_indicator "
                               "get_indicator_strict has_indicator open high low close volume",
    "snapshot_view.RuntimeSnapshotView": (
        "symbol exec_tf ts_close exec_idx exec_ctx htf_ctx mtf_ctx exchange mark_price mark_price_source tf_mapping "
        "history_config history_ready ready not_ready_reasons open high low close volume ema_fast ema_slow rsi atr "
        "indicator indicator_strict has_indicator available_indicators prev_ema_fast prev_ema_slow prev_rsi "
        "prev_atr prev_indicator bars_exec_low bars_exec_high prev_close prev_high prev_low htf_ema_fast "
        "htf_ema_slow htf_rsi mtf_ema_fast mtf_ema_slow mtf_rsi htf_indicator mtf_indicator "
        "available_htf_indicators available_mtf_indicators get_feature has_feature htf_is_stale mtf_is_stale "
        "htf_ctx_ts_close mtf_ctx_ts_close equity available_balance has_position position_side position_size_usdt "
        "unrealized_pnl entries_disabled rollup_min_1m rollup_max_1m rollup_bars_1m rollup_open_1m "
        "rollup_close_1m rollup_volume_1m rollup_price_range_1m get_rollup has_rollups rollups get_structure "
        "has_incremental_state list_structure_paths get has_path to_dict"),
    "cache.TimeframeCache": "set_close_ts_maps is_htf_close is_mtf_close update_htf update_mtf get_htf get_mtf "
                            "htf_ready mtf_ready all_ready get_not_ready_reasons refresh_step reset to_dict",
    "snapshot_builder.SnapshotBuilder": "build build_with_defaults",
    "quote_state.QuoteState": "ts_ms last open_1m high_1m low_1m mark mark_source volume_1m is_mark_approximated",
    "rollup_bucket.ExecRollupBucket": "min_price_1m max_price_1m bar_count_1m open_price_1m close_price_1m volume_1m "
                                      "accumulate freeze reset is_empty price_range_1m",
    "state_types.GateResult": "passed code codes reason pass_ fail_",
    "state_types.GateCode": "description get_description",
    "signal_state.SignalState": "value direction detected_bar confirmed_bar consumed_bar gate_result signal_id "
                                "is_none is_candidate is_confirmed is_consumed is_terminal can_transition_to "
                                "bars_since_detected bars_since_confirmed",
    "action_state.ActionState": "value direction size_usdt submitted_bar filled_bar reject_reason is_idle "
                                "is_actionable is_submitted is_terminal can_transition_to",
    "gate_state.GateContext": "bar_idx warmup_bars history_bars cache_ready current_drawdown_pct "
                              "max_drawdown_limit_pct available_margin required_margin position_count max_positions "
                              "current_exposure_pct max_exposure_pct cooldown_bars_remaining risk_policy_passed "
                              "risk_policy_reason",
    "block_state.BlockState": "bar_idx signal action gate raw_signal_direction is_actionable is_blocked block_reason "
                              "block_code signal_detected signal_confirmed signal_consumed action_filled "
                              "action_rejected summary",
    "state_tracker.StateTrackerConfig": "warmup_bars max_positions max_drawdown_pct cooldown_bars max_history",
    "state_tracker.StateTracker": "config block_history reset on_bar_start on_signal_evaluated on_warmup_check "
                                  "on_history_check on_risk_check on_position_check on_sizing_computed "
                                  "on_order_submitted on_order_filled on_order_rejected on_bar_end "
                                  "get_current_signal_state get_current_action_state get_block_at summary_stats",
    "data_health.DataHealthCheck": "check_coverage detect_gaps check_sanity run",
    "preflight.PreflightReport": "idea_card_id window_start window_end overall_status tf_results run_timestamp "
                                 "auto_sync_result computed_warmup_requirements error_code error_details "
                                 "has_1m_coverage exec_to_1m_mapping_feasible required_1m_bars to_dict write_json "
                                 "print_summary",
    "preflight.TFPreflightResult": "symbol tf status min_ts max_ts bar_count required_start required_end warmup_bars "
                                   "data_exists covers_range is_monotonic is_unique alignment_ok gaps max_gap_minutes "
                                   "gap_threshold_minutes gaps_within_threshold errors warnings to_dict",
    "indicator_metadata.IndicatorMetadata": "indicator_key feature_spec_id indicator_type params input_source symbol "
                                            "tf tf_role warmup_bars_declared first_valid_idx_observed start_bar_idx "
                                            "end_bar_idx start_ts end_ts pandas_ta_version code_version "
                                            "computed_at_utc to_dict recompute_feature_spec_id",
}
MEMBERS = {k: v.split() for k, v in MEMBERS.items()}

# Members only an instance has (dataclass fields without class-level defaults, slots filled in
# the constructor): checked on an instance built by the test.
INSTANCE_ONLY = {
    "types.Bar", "types.FeatureSnapshot", "types.ExchangeState", "types.RuntimeSnapshot", "feed_store.FeedStore",
    "feed_store.MultiTFFeedStore", "state_types.GateResult", "preflight.PreflightReport",
    "preflight.TFPreflightResult", "indicator_metadata.IndicatorMetadata", "snapshot_view.TFContext",
    "snapshot_view.RuntimeSnapshotView", "state_tracker.StateTracker", "signal_state.SignalState",
    "action_state.ActionState", "block_state.BlockState", "gate_state.GateContext",
    "state_tracker.StateTrackerConfig", "types.HistoryConfig",
}

SIGNATURES = {
    # classes (constructor parameters)
    "types.HistoryConfig": "bars_exec_count features_exec_count features_htf_count features_mtf_count",
    "types.Bar": "symbol tf ts_open ts_close open high low close volume turnover",
    "types.FeatureSnapshot": "tf ts_close bar features ready not_ready_reason features_computed_at",
    "feed_store.FeedStore": "tf symbol ts_open ts_close open high low close volume indicators indicator_metadata "
                            "structures structure_key_map close_ts_set ts_close_ms_to_idx _sorted_close_ms length "
                            "warmup_bars",
    "feed_store.MultiTFFeedStore": "exec_feed htf_feed mtf_feed tf_mapping",
    "snapshot_view.TFContext": "feed current_idx ready not_ready_reason",
    "snapshot_view.RuntimeSnapshotView": "feeds exec_idx htf_idx mtf_idx exchange mark_price mark_price_source "
                                         "history_config history_ready rollups incremental_state",
    "snapshot_builder.SnapshotBuilder": "symbol tf_mapping history_config",
    "quote_state.QuoteState": "ts_ms last open_1m high_1m low_1m mark mark_source volume_1m",
    "rollup_bucket.ExecRollupBucket": "min_price_1m max_price_1m bar_count_1m open_price_1m close_price_1m volume_1m",
    "state_tracker.StateTrackerConfig": "warmup_bars max_positions max_drawdown_pct cooldown_bars max_history",
    "state_tracker.StateTracker": "config",
    "data_health.DataHealthCheck": "load_start load_end required_tfs symbol required_series",
    # functions and methods
    "feed_store.FeedStore.from_dataframe": "df tf symbol indicator_columns prefer_float32",
    "feed_store.FeedStore.from_dataframe_with_features": "df tf symbol feature_arrays",
    "feed_store.FeedStore.get_1m_indices_for_exec": "exec_idx exec_tf_minutes",
    "feed_store.FeedStore._get_ts_close_ms_at": "idx",
    "feed_store.FeedStore.get_ts_close_datetime": "idx",
    "feed_store.FeedStore.get_ts_open_datetime": "idx",
    "feed_store.FeedStore.get_idx_at_ts_close": "ts",
    "feed_store.FeedStore.get_last_closed_idx_at_or_before": "ts",
    "feed_store.FeedStore.get_structure_field": "block_key field_name bar_idx",
    "feed_store.FeedStore.get_zone_field": "block_key zone_key field_name bar_idx",
    "feed_store.MultiTFFeedStore.get_feed": "role",
    "snapshot_view.RuntimeSnapshotView.get_feature": "indicator_key tf_role offset",
    "snapshot_view.RuntimeSnapshotView.has_feature": "indicator_key tf_role",
    "snapshot_view.RuntimeSnapshotView.get": "path",
    "snapshot_view.RuntimeSnapshotView.has_path": "path",
    "snapshot_view.RuntimeSnapshotView.get_structure": "path",
    "snapshot_view.RuntimeSnapshotView.get_rollup": "key",
    "snapshot_view.RuntimeSnapshotView.prev_indicator": "name lookback",
    "snapshot_view.RuntimeSnapshotView.prev_close": "lookback",
    "snapshot_view.RuntimeSnapshotView.bars_exec_low": "n",
    "snapshot_view.RuntimeSnapshotView.bars_exec_high": "n",
    "snapshot_view.TFContext.get_indicator": "name",
    "snapshot_view.TFContext.get_indicator_strict": "name",
    "rollup_bucket.ExecRollupBucket.accumulate": "quote",
    "quote_state.quote_to_packet_dict": "quote",
    "timeframe.tf_duration": "tf",
    "timeframe.tf_minutes": "tf",
    "timeframe.validate_tf_mapping": "tf_mapping",
    "timeframe.ceil_to_tf_close": "dt tf",
    "cache.build_close_ts_map_from_df": "df ts_close_column",
    "snapshot_builder.SnapshotBuilder.build": "ts_close bar_exec mark_price mark_price_source exchange_state "
                                              "features_htf features_mtf features_exec history_bars_exec "
                                              "history_features_exec history_features_htf history_features_mtf "
                                              "history_ready",
    "state_tracker.create_state_tracker": "warmup_bars max_positions max_drawdown_pct cooldown_bars max_history",
    "state_tracker.StateTracker.on_bar_start": "bar_idx",
    "state_tracker.StateTracker.on_signal_evaluated": "direction",
    "state_tracker.StateTracker.on_warmup_check": "warmup_ok warmup_end_idx",
    "state_tracker.StateTracker.on_history_check": "history_ok history_bars",
    "state_tracker.StateTracker.on_risk_check": "passed reason drawdown_pct available_margin required_margin",
    "state_tracker.StateTracker.on_position_check": "position_count exposure_pct",
    "state_tracker.StateTracker.on_sizing_computed": "size_usdt",
    "state_tracker.StateTracker.on_order_rejected": "reason",
    "state_tracker.StateTracker.get_block_at": "bar_idx",
    "signal_state.transition_signal_state": "prev_state bar_idx signal_detected signal_direction gate_result "
                                            "action_taken next_signal_id confirmation_bars",
    "action_state.transition_action_state": "prev_state bar_idx signal_confirmed signal_direction gate_result "
                                            "size_computed size_usdt order_submitted order_filled order_rejected "
                                            "reject_reason",
    "gate_state.evaluate_gates": "ctx",
    "gate_state.evaluate_warmup_gate": "bar_idx warmup_bars",
    "gate_state.evaluate_margin_gate": "available_margin required_margin",
    "block_state.create_block_state": "bar_idx signal action gate raw_signal_direction",
    "block_state.reset_block_state": "bar_idx",
    "windowing.compute_data_window": "window_start window_end warmup_bars_by_role tf_by_role safety_buffer_bars",
    "windowing.compute_load_window": "test_start test_end tf_mapping indicator_lookbacks warmup_config",
    "windowing.compute_simple_load_window": "test_start test_end tf max_lookback",
    "windowing.compute_warmup_start_simple": "window_start warmup_bars tf safety_buffer_bars",
    "windowing.compute_warmup_span": "tf_mapping indicator_lookbacks warmup_config",
    "preflight.run_preflight_gate": "idea_card data_loader window_start window_end gap_threshold_multiplier "
                                    "auto_sync_missing auto_sync_config",
    "preflight.validate_tf_data": "df symbol tf required_start required_end warmup_bars gap_threshold_multiplier",
    "preflight.calculate_warmup_start": "window_start warmup_bars tf_minutes",
    "preflight.parse_tf_to_minutes": "tf",
    "indicator_metadata.compute_feature_spec_id": "indicator_type params input_source",
    "indicator_metadata.canonicalize_params": "params",
    "indicator_metadata.find_first_valid_idx": "arr",
    "indicator_metadata.export_metadata_jsonl": "feed_store output_path filters include_header",
    "indicator_metadata.export_metadata_json": "feed_store output_path filters",
    "indicator_metadata.export_metadata_csv": "feed_store output_path filters",
}
SIGNATURES = {k: v.split() for k, v in SIGNATURES.items()}

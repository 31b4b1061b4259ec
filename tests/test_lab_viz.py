"""Pictures (transformer_lite.lab.viz)."""

from transformer_lite.lab.viz import plot_head_ranking


def test_live_loss_plot_records_and_never_stops_training():
    from transformer_lite.lab.viz import LiveLossPlot

    live = LiveLossPlot(every=2)
    assert not any(live("batch", {"step": s, "loss": 1.0 / s, "lr": 0.1}) for s in range(1, 6))
    assert not live("epoch", {"steps": 5, "valid_loss": 0.3})
    assert live.steps == [1.0, 0.5, 1.0 / 3, 0.25, 0.2] and live.valid == [(5, 0.3)]
    assert live.draw() is not None


def test_head_ranking_plot():
    import matplotlib.pyplot as plt

    ax = plot_head_ranking(
        [{"layer": 0, "head": 1, "aer": 0.2}, {"layer": 1, "head": 0, "aer": 0.5}], baselines={"diagonal": 0.4}
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["layer 0 head 1", "layer 1 head 0"]  # best on top
    plt.close(ax.figure)


def test_gold_boxes_go_on_the_heatmap_they_belong_to():
    import matplotlib.pyplot as plt
    import pytest
    import torch

    from transformer_lite.lab.viz import mark_gold, plot_attention

    ax = plot_attention(torch.full((2, 3), 1 / 3), ["a", "b"], ["x", "y", "z"])
    before = len(ax.patches)
    mark_gold(ax, torch.tensor([[1, 0, 0], [0, 0, 1]]))
    assert len(ax.patches) == before + 2
    with pytest.raises(ValueError, match=r"gold has shape \(3, 2\) but the heatmap is \(2, 3\)"):
        mark_gold(ax, torch.ones(3, 2))  # transposed: (source, target)
    with pytest.raises(ValueError, match="ax holds no heatmap"):
        mark_gold(plt.figure().add_subplot(), torch.eye(2))
    plt.close("all")

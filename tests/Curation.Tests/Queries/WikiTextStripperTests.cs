using Pipeline.Curation.Wikipedia;

namespace Pipeline.Curation.Tests.Queries;

public sealed class WikiTextStripperTests
{
    [Theory]
    [InlineData("A [[dog]] and a [[Cat (animal)|cat]].", "A dog and a cat.")]
    [InlineData("Born{{citation needed|date=May 2020}} in Paris.", "Born in Paris.")]
    [InlineData("Nested {{outer|{{inner|x}}|y}}text", "Nested text")]
    [InlineData("Fact.<ref name=\"a\">Smith, ''Book'', p. 3</ref> More.<ref name=\"a\" /> End", "Fact. More. End")]
    [InlineData("Keep <!-- hidden words --> this", "Keep  this")]
    [InlineData("'''Bold''' and ''italic'' don't", "Bold and italic don't")]
    [InlineData("[[File:Dog.jpg|thumb|A [[dog]] running]]Text", "Text")]
    [InlineData("[[Category:Dogs]][[de:Hund]]After", "After")]
    [InlineData("See [https://example.org the site] and [https://example.org/x]", "See the site and ")]
    [InlineData("H<sub>2</sub>O is <small>water</small><br/>next", "H2O is water\nnext")]
    [InlineData("x&nbsp;y &amp; z &ndash; &eacute;", "x y & z \u2013 \u00e9")]
    [InlineData("__NOTOC__Intro", "Intro")]
    [InlineData("[[Paris, Texas|]] is a city", "Paris, Texas is a city")]
    [InlineData("An unclosed {{template and [[link stay", "An unclosed {{template and [[link stay")]
    [InlineData("Formula <math>x^2 + y</math> done", "Formula  done")]
    public void Strips_markup_to_countable_text(string markup, string expected) =>
        Assert.Equal(expected, WikiTextStripper.ToPlainText(markup));

    [Fact]
    public void Headings_lists_and_tables_become_plain_lines()
    {
        var markup = "== History ==\nText here.\n* first item\n# second item\n{| class=\"wikitable\"\n|-\n| cell || words\n|}\n=== Sub ===\nEnd";
        Assert.Equal("History \nText here.\nfirst item\nsecond item\n\nSub \nEnd", WikiTextStripper.ToPlainText(markup));
    }

    [Fact]
    public void One_instance_strips_many_pages_without_leftovers()
    {
        var stripper = new WikiTextStripper();
        Assert.Equal("first page with many words", stripper.Strip("first page with [[many]] words").ToString());
        Assert.Equal("second", stripper.Strip("second").ToString());
    }
}

"""Pure clinical knowledge: vocabulary, instruments and scoring, responder and candidacy rules,
product metrics, follow-up windows. Imports no Django; takes "today" as an argument."""

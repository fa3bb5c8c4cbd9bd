"""A throwaway mirror of the seed framework's ``framework.llm`` package, for type-set tests."""

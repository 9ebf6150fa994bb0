// lambda-local: a Lambda Function URL (RESPONSE_STREAM or BUFFERED) and Runtime API with Lambda's
// concurrency, for running bootstrap (or any Lambda runtime client) on a laptop. `lambda-local --help`.
import ArgumentParser

LambdaLocalCommand.main()

package amber

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for the API, which maps each code to an HTTP
// status and Qdrant's message prefix in one table.
type ErrorCode string

// The codes. Everything else is internal and reaches clients as such.
const (
	EInvalid       ErrorCode = "invalid"       // 400 "Wrong input: "
	EBadRequest    ErrorCode = "bad_request"   // 400 "Bad request: "
	EChecksum      ErrorCode = "checksum"      // 400 "Checksum mismatch: ..." (message is whole)
	ENotFound      ErrorCode = "not_found"     // 404 "Not found: "
	EConflict      ErrorCode = "conflict"      // 409 "Wrong input: "
	EUnprocessable ErrorCode = "unprocessable" // 422 "Validation error: "
	EForbidden     ErrorCode = "forbidden"     // 403 "Forbidden: "
	ETooLarge      ErrorCode = "too_large"     // 413
	EUnavailable   ErrorCode = "unavailable"   // 503
	EInternal      ErrorCode = "internal"      // 500
)

// Error is an error meant for the client: its Message is safe to show.
type Error struct {
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or
// EInternal.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err, or "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
